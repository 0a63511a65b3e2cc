import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A provider reply is judged by what it is, not by what was asked: a stream request answered with plain JSON is
/// judged (and refused) as JSON, and a 2xx that is not one JSON object is a 502, never passed on unjudged.
@Suite("Replies judged by what they are", .timeLimit(.minutes(1)))
struct ReplyShapeTests {
    @Test("A stream request answered with plain JSON holding a forbidden call gets the JSON refusal; the call is recorded", arguments: ScenarioProvider.allCases)
    func streamAnsweredWithJSON(provider: ScenarioProvider) async throws {
        try await withAllVendorsUpstream { fake, live in
            fake.enqueue(.json(provider.reply))
            let response = try await provider.sendScenario(live, stream: true)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = try response.json()
            #expect(provider.toolCalls(of: body).isEmpty, "the forbidden call reached the client: \(response.bodyText)")
            #expect(sameJSON(body, provider.refusedReply(reason: taintedContextReason)), "\(response.bodyText)")
            #expect(fake.requests.map(\.pathAndQuery) == [provider.upstreamPath(stream: true)])

            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 200)
            #expect(sameJSON(record["response"], body))
            let calls = record["evaluation"]?["toolCalls"]?.arrayValue ?? []
            #expect(calls.count == 1)
            #expect(calls.first?["toolName"] == "send_email")
            #expect(calls.first?["allowed"] == false)
            #expect(calls.first?["reason"] == .string(taintedContextReason))
            #expect(record["evaluation"]?["contextIsTrusted"] == false)
            #expect(try await live.scenarioBlockedToolCount(provider: provider.rawValue, tool: "send_email") == 1)
        }
    }

    @Test("A stream request answered with allowed plain JSON gets that JSON unchanged", arguments: ScenarioProvider.allCases)
    func streamAnsweredWithAllowedJSON(provider: ScenarioProvider) async throws {
        try await withAllVendorsUpstream { fake, live in
            // A conversation without tool results is trusted: the call is allowed and the bytes pass as they came.
            fake.enqueue(.json(provider.reply))
            let body: String
            switch provider {
            case .openai: body = #"{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            case .openaiResponses: body = #"{"model":"gpt-4o","stream":true,"input":"hi"}"#
            case .anthropic: body = #"{"model":"claude-sonnet-4-5-20250929","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            case .gemini: body = #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#
            }
            let response = try await live.send(.post, provider.path(stream: true), headers: provider.requestHeaders, body: body)
            #expect(response.status == .ok)
            #expect(response.bodyText == provider.reply)
            let record = try await live.onlyInteraction()
            #expect(record["evaluation"]?["toolCalls"]?.arrayValue?.map { $0["allowed"] } == [true])
        }
    }

    /// 2xx bodies that are not one JSON object, with the content type they came with.
    static let notOneObject: [(label: String, body: String, contentType: String)] = [
        ("garbage", "garbage {\"choices\":", "application/json"),
        ("a JSON array", #"[{"choices":[{"message":{"tool_calls":[{"id":"c","function":{"name":"send_email","arguments":"{}"}}]}}]}]"#, "application/json"),
        ("HTML", "<html><body>Bad gateway at the provider</body></html>", "text/html; charset=utf-8"),
        ("a JSON string", #""just a string""#, "application/json"),
        ("nothing", "", "application/json"),
    ]

    @Test("A 2xx that is not one JSON object answering a stream request → 502, recorded as 502", arguments: ScenarioProvider.allCases)
    func streamAnsweredWithGarbage(provider: ScenarioProvider) async throws {
        try await withAllVendorsUpstream { fake, live in
            for reply in Self.notOneObject {
                fake.enqueue(.text(reply.body, status: 200, contentType: reply.contentType))
                let response = try await provider.sendScenario(live, stream: true)
                expectGatewayError(response, status: .badGateway, type: "upstream_error")
                #expect(!response.bodyText.contains("send_email\""), "\(reply.label) leaked")
            }
            let records = try await live.waitForInteractions(count: Self.notOneObject.count)
            #expect(records.count == Self.notOneObject.count)
            for record in records {
                #expect(record["statusCode"] == 502)
                #expect(record["response"]?["error"]?["type"] == "upstream_error")
            }
            try await expectStillServing(live)
        }
    }

    @Test("An event stream answering a request for a whole reply is not passed on: 502", arguments: ScenarioProvider.allCases)
    func wholeRequestAnsweredWithStream(provider: ScenarioProvider) async throws {
        try await withAllVendorsUpstream { fake, live in
            let (text, toolCall) = provider.streamEvents
            fake.enqueue(.sse((text + toolCall).map { .chunk($0) }))
            let response = try await provider.sendScenario(live, stream: false)
            expectGatewayError(response, status: .badGateway, type: "upstream_error")
            #expect(!response.bodyText.contains("attacker@evil.example"))
            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 502)
        }
    }
}
