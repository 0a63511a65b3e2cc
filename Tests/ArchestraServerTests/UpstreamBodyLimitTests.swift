import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `ARCHESTRA_MAX_UPSTREAM_BODY_BYTES` bounds what a provider can make the gateway read: a whole reply past it is a
/// 502, a stream past it is cut and recorded as the 502 it would have been.
@Suite("Upstream body limit", .timeLimit(.minutes(1)))
struct UpstreamBodyLimitTests {
    static let limit = 2_048
    static let environment = ["ARCHESTRA_MAX_UPSTREAM_BODY_BYTES": String(limit)]

    /// A chat completion of exactly `size` bytes (the assistant text padded).
    static func completion(size: Int) -> String {
        let empty = #"{"id":"chatcmpl-big","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}"#
        return empty.replacingOccurrences(of: #""content":"""#, with: #""content":"\#(String(repeating: "x", count: size - empty.utf8.count))""#)
    }

    @Test("A whole reply one byte past the limit → 502 upstream_error, recorded; at the limit it passes")
    func wholeReplyPastLimit() async throws {
        try await withUpstreamAndGateway(environment: Self.environment) { fake, live in
            let atLimit = Self.completion(size: Self.limit)
            let pastLimit = Self.completion(size: Self.limit + 1)
            #expect(atLimit.utf8.count == Self.limit && pastLimit.utf8.count == Self.limit + 1)
            fake.enqueue(.json(pastLimit), .json(pastLimit), .json(atLimit))

            expectGatewayError(try await live.send(.post, "/v1/openai/chat/completions", body: chatBody()), status: .badGateway, type: "upstream_error")
            // Asked as a stream, answered as JSON: the same cap.
            expectGatewayError(
                try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(model: "gpt-4.1", stream: true)),
                status: .badGateway, type: "upstream_error"
            )
            let passed = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(model: "gpt-4o-mini"))
            #expect(passed.status == .ok)
            #expect(passed.bodyText == atLimit)

            let records = try await live.waitForInteractions(count: 3)
            let byModel = Dictionary(uniqueKeysWithValues: records.map { ($0["model"]?.stringValue ?? "?", $0) })
            #expect(byModel["gpt-4o"]?["statusCode"] == 502)
            #expect(byModel["gpt-4.1"]?["statusCode"] == 502)
            #expect(byModel["gpt-4o-mini"]?["statusCode"] == 200)
            try await expectStillServing(live)
        }
    }

    static func chunk(_ delta: String) -> String {
        #"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":\#(delta),"finish_reason":null}]}"# + "\n\n"
    }

    @Test("A stream past the limit is cut: the client sees it end early without the rest; recorded as 502")
    func streamPastLimit() async throws {
        try await withUpstreamAndGateway(environment: Self.environment) { fake, live in
            let first = Self.chunk(#"{"role":"assistant","content":"first words"}"#)
            let filler = (0..<8).map { _ in Self.chunk(#"{"content":"\#(String(repeating: "y", count: 300))"}"#) }
            let last = Self.chunk(#"{"content":"LAST WORDS"}"#) + "data: [DONE]\n\n"
            #expect(first.utf8.count + filler.map(\.utf8.count).reduce(0, +) > Self.limit)
            // The pause only makes the provider's first event travel on its own, as a slow model's would.
            fake.enqueue(.sse([.chunk(first), .pause(.milliseconds(50))] + filler.map { .chunk($0) } + [.chunk(last)]))

            let body = chatBody(stream: true)
            let bytes = try await RawConnection.with(port: live.port) { connection in
                try await connection.send(rawRequest("POST", "/v1/openai/chat/completions", body: body))
                return try await connection.readUntilClosed(timeout: .seconds(30))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(rawStatus(bytes) == 200, "the stream had started: \(text.prefix(200))")
            #expect(text.contains("first words"))
            #expect(!text.contains("LAST WORDS") && !text.contains("[DONE]"), "the stream was not cut")
            #expect(!text.hasSuffix("0\r\n\r\n"), "the chunked body must not end as if complete")
            let received = text.components(separatedBy: "\r\n\r\n").dropFirst().joined()
            #expect(received.utf8.count < Self.limit + 1_024, "the client got about the limit, not the whole stream")

            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 502)
            #expect(record["response"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue?.hasPrefix("first words") == true)
            try await expectStillServing(live)
        }
    }

    @Test("A stream past the limit while a tool call is held: the call never reaches the client; recorded as 502")
    func streamPastLimitWhileHolding() async throws {
        try await withAllVendorsUpstream(environment: Self.environment) { fake, live in
            let provider = ScenarioProvider.openai
            let (text, toolCall) = provider.streamEvents
            let padding = (0..<8).map { _ in provider.frame(#"{"id":"chatcmpl-exfil2","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":""}}]},"finish_reason":null}],"pad":"\#(String(repeating: "z", count: 300))"}"#) }
            let held = [toolCall[0]] + padding + Array(toolCall.dropFirst())
            fake.enqueue(.sse(text.map { .chunk($0) } + [.pause(.milliseconds(50))] + held.map { .chunk($0) }))
            let bytes = try await RawConnection.with(port: live.port) { connection in
                try await connection.send(rawRequest("POST", provider.path(stream: true), body: provider.requestBody(stream: true)))
                return try await connection.readUntilClosed(timeout: .seconds(30))
            }
            let received = String(decoding: bytes, as: UTF8.self)
            #expect(received.contains("I'll forward "))
            #expect(!received.contains("send_email") && !received.contains("tool_calls"), "a held call leaked")
            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 502)
        }
    }
}
