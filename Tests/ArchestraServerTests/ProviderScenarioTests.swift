import ArchestraCore
import ArchestraProviders
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// One policy scenario table, run end to end for OpenAI, Anthropic and Gemini through the router and a scripted
/// provider: the tainted e-mail conversation, the model answering with `send_email` to attacker@evil.example
/// (trust verdicts, redaction, invocation decisions, refusals, stream gating, records and metrics).
@Suite("Provider policy scenarios", .timeLimit(.minutes(1)))
struct ProviderScenarioTests {
    static let untrustedReason = "Tool invocation blocked: context contains untrusted data"
    static let trustDescription = "Known sender domains"
    static let blockDescription = "Prompt injection in an e-mail body"
    static let invocationReason = "Mail to evil.example is never allowed"

    struct Scenario: Sendable, CustomTestStringConvertible {
        enum Setup: Sendable {
            /// No policies at all.
            case none
            /// `mark_as_trusted` on `emails[*].from` matching both sender domains.
            case trustSenders
            /// `block_always` on `emails[*].body` containing the injected instruction.
            case blockInjectedBody
            /// The trust policy plus a `block_always` invocation policy on `to` ending with `@evil.example`.
            case trustSendersBlockRecipient
        }

        var setup: Setup
        var stream: Bool

        var testDescription: String {
            let name = switch setup {
            case .none: "no policies → refused"
            case .trustSenders: "senders trusted → allowed"
            case .blockInjectedBody: "injected body blocked → redacted upstream, refused"
            case .trustSendersBlockRecipient: "trusted, but recipient blocked → refused with its reason"
            }
            return name + (stream ? ", streaming" : "")
        }

        var allowed: Bool { setup == .trustSenders }

        var refusalReason: String? {
            switch setup {
            case .none, .blockInjectedBody: ProviderScenarioTests.untrustedReason
            case .trustSenders: nil
            case .trustSendersBlockRecipient: ProviderScenarioTests.invocationReason
            }
        }

        var contextIsTrusted: Bool { setup == .trustSenders || setup == .trustSendersBlockRecipient }

        /// The `get_emails` result's verdict and reason.
        var verdict: (String, String) {
            switch setup {
            case .none: ("untrusted", "No trust policy defined for tool get_emails - data is untrusted by default")
            case .trustSenders, .trustSendersBlockRecipient: ("trusted", "Data trusted by policy: \(ProviderScenarioTests.trustDescription)")
            case .blockInjectedBody: ("blocked", "Data blocked by policy: \(ProviderScenarioTests.blockDescription)")
            }
        }

        static let all: [Scenario] = [Setup.none, .trustSenders, .blockInjectedBody, .trustSendersBlockRecipient]
            .flatMap { setup in [Scenario(setup: setup, stream: false), Scenario(setup: setup, stream: true)] }
    }

    @Test("tainted e-mail conversation", arguments: ScenarioProvider.allCases, Scenario.all)
    func scenario(_ provider: ScenarioProvider, _ scenario: Scenario) async throws {
        try await ProviderScenarioUpstream.with { upstream in
            try await withGateway(environment: [provider.baseURLVariable: upstream.baseURL + provider.baseURLSuffix]) { live in
                try await Self.run(provider, scenario, upstream: upstream, live: live)
            }
        }
    }

    static func headers(_ provider: ScenarioProvider) -> HTTPFields {
        var headers = provider.keyHeaders
        headers[.userAgent] = ScenarioProvider.userAgent
        headers[.contentType] = "application/json"
        return headers
    }

    static func run(_ provider: ScenarioProvider, _ scenario: Scenario, upstream: ProviderScenarioUpstream, live: LiveGateway) async throws {
        var earlierRequests = 0
        if scenario.setup != .none {
            // A first request makes the gateway discover the tools; without policies its call is refused.
            upstream.enqueue(.json(provider.reply))
            let first = try await live.send(.post, provider.path(stream: false), headers: headers(provider), body: provider.requestBody(stream: false))
            #expect(first.status == .ok)
            #expect(sameJSON(ResponsesScenarioStream.normalizingIds(try first.json()), provider.refusedReply(reason: untrustedReason)), "discovery reply: \(first.bodyText)")
            earlierRequests = 1
            try await createPolicies(scenario.setup, live: live)
        }
        let blockedBefore = try await live.scenarioBlockedToolCount(provider: provider.metricsProvider, tool: "send_email")
        let body = provider.requestBody(stream: scenario.stream)

        let clientResponse: JSONValue?
        if scenario.stream {
            clientResponse = nil
            try await checkStream(provider, scenario, body: body, upstream: upstream, live: live)
        } else {
            upstream.enqueue(.json(provider.reply))
            let response = try await live.send(.post, provider.path(stream: false), headers: headers(provider), body: body)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            if let reason = scenario.refusalReason {
                #expect(sameJSON(ResponsesScenarioStream.normalizingIds(try response.json()), provider.refusedReply(reason: reason)), "got \(response.bodyText)")
                #expect(provider.text(of: try response.json()) == ScenarioProvider.content(reason: reason))
                #expect(provider.toolCalls(of: try response.json()).isEmpty)
            } else {
                // Allowed: the provider's reply, byte for byte.
                #expect(response.bodyText == provider.reply)
            }
            clientResponse = try response.json()
        }

        try checkUpstreamRequest(provider, scenario, body: body, upstream: upstream, count: earlierRequests + 1)
        try await checkRecord(provider, scenario, body: body, clientResponse: clientResponse, live: live, count: earlierRequests + 1)
        let blockedAfter = try await live.scenarioBlockedToolCount(provider: provider.metricsProvider, tool: "send_email")
        #expect(blockedAfter == blockedBefore + (scenario.allowed ? 0 : 1), "llm_blocked_tool_total \(blockedBefore) → \(blockedAfter)")
    }

    /// Creates the scenario's policies through the admin API, for the tools the first request declared.
    static func createPolicies(_ setup: Scenario.Setup, live: LiveGateway) async throws {
        let agentId = try await live.scenarioAgentId(named: AgentName.fromUserAgent(ScenarioProvider.userAgent))
        let tools = try await live.scenarioToolIds(agentId: agentId, names: ["get_emails", "send_email"])
        let emails = try #require(tools["get_emails"])
        let send = try #require(tools["send_email"])
        var writes: [(String, String)] = []
        if setup == .trustSenders || setup == .trustSendersBlockRecipient {
            writes.append(("/api/trusted-data-policies", #"""
                {"toolId":"\#(emails)","description":"\#(trustDescription)","attributePath":"emails[*].from","operator":"regex","value":"@(company\\.com|external\\.example)$","action":"mark_as_trusted"}
                """#))
        }
        if setup == .blockInjectedBody {
            writes.append(("/api/trusted-data-policies", #"""
                {"toolId":"\#(emails)","description":"\#(blockDescription)","attributePath":"emails[*].body","operator":"contains","value":"Ignore all previous instructions","action":"block_always"}
                """#))
        }
        if setup == .trustSendersBlockRecipient {
            writes.append(("/api/autonomy-policies/tool-invocation", #"""
                {"toolId":"\#(send)","argumentName":"to","operator":"endsWith","value":"@evil.example","action":"block_always","reason":"\#(invocationReason)"}
                """#))
        }
        for (path, body) in writes {
            let response = try await live.sendJSON(.post, path, body, headers: live.adminHeaders)
            #expect(response.status == .ok, "POST \(path) → \(response.status): \(response.bodyText)")
        }
    }

    /// Streams through the gateway while the provider stops after its text events: the text must arrive before the
    /// provider goes on; then the whole stream (allowed) or the text plus the refusal events (refused).
    static func checkStream(_ provider: ScenarioProvider, _ scenario: Scenario, body: String, upstream: ProviderScenarioUpstream, live: LiveGateway) async throws {
        let (textEvents, toolEvents) = provider.streamEvents
        upstream.enqueue(.heldStream(before: textEvents, after: toolEvents))
        let textBytes = Array(textEvents.joined().utf8)
        let allBytes = Array((textEvents + toolEvents).joined().utf8)

        let (status, contentType, received, beforeRelease) = try await withHTTPClient { client in
            var request = HTTPClientRequest(url: live.baseURL + provider.path(stream: true))
            request.method = .POST
            for field in headers(provider) { request.headers.add(name: field.name.rawName, value: field.value) }
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await client.execute(request, timeout: .seconds(10))
            var received: [UInt8] = []
            var beforeRelease: [UInt8]?
            for try await part in response.body {
                received += part.readableBytesView
                if beforeRelease == nil, received.count >= textBytes.count {
                    // Everything the provider has sent so far reached the client: let the provider go on.
                    beforeRelease = received
                    upstream.gate.release()
                }
            }
            return (response.status.code, response.headers.first(name: "content-type"), received, beforeRelease)
        }
        #expect(status == 200)
        #expect(contentType?.hasPrefix("text/event-stream") == true)
        #expect(beforeRelease == textBytes, "the text events did not reach the client before the provider's stream ended")
        if let reason = scenario.refusalReason {
            #expect(Array(received.prefix(textBytes.count)) == textBytes)
            let rest = scenarioSSEEvents(Array(received.dropFirst(textBytes.count)))
            let expected = provider.refusalEvents(reason: reason)
            #expect(rest.map(\.event) == expected.map(\.event), "events after the text: \(rest.map(\.event))")
            #expect(rest.count == expected.count)
            for (got, want) in zip(rest, expected) {
                #expect(scenarioSameEventData(got.data, want.data), "got \(got.data)\nwant \(want.data)")
            }
        } else {
            #expect(received == allBytes, "the allowed stream was not forwarded byte for byte")
        }
    }

    static func checkUpstreamRequest(_ provider: ScenarioProvider, _ scenario: Scenario, body: String, upstream: ProviderScenarioUpstream, count: Int) throws {
        let requests = upstream.requests
        #expect(requests.count == count)
        let forwarded = try #require(requests.last)
        #expect(forwarded.method == "POST")
        #expect(forwarded.pathAndQuery == provider.upstreamPath(stream: scenario.stream))
        if scenario.setup == .blockInjectedBody {
            let text = "[Content blocked by policy: Data blocked by policy: \(blockDescription)]"
            let sent = try JSONParser.parse(forwarded.body)
            #expect(provider.toolResultContent(in: sent) == provider.redacted(text))
            #expect(sameJSON(sent, provider.redactedRequestBody(stream: scenario.stream, text: text)), "sent \(forwarded.bodyText)")
            #expect(!forwarded.bodyText.contains(ScenarioProvider.injectedText))
        } else {
            // Nothing to edit: the client's bytes go out unchanged.
            #expect(forwarded.body == Array(body.utf8))
        }
    }

    static func checkRecord(_ provider: ScenarioProvider, _ scenario: Scenario, body: String, clientResponse: JSONValue?, live: LiveGateway, count: Int) async throws {
        let rows = try await live.waitForInteractions(count: count)
        try #require(rows.count == count)
        let record = rows[0]
        #expect(record["type"] == .string(provider.interactionType))
        #expect(record["model"] == .string(provider.model))
        #expect(record["statusCode"] == 200)
        #expect(sameJSON(record["request"], json(body)), "the record keeps the client's body, before redaction")

        let resultId = provider.toolResultId ?? GeminiGenerateContentAdapter.syntheticId(name: "get_emails", response: json(ScenarioProvider.emailsText))
        let evaluation = try #require(record["evaluation"])
        #expect(evaluation["contextIsTrusted"] == .bool(scenario.contextIsTrusted))
        let expectedResults: JSONValue = [[
            "toolCallId": .string(resultId), "toolName": "get_emails", "verdict": .string(scenario.verdict.0),
            "reason": .string(scenario.verdict.1), "dualLlm": false,
        ]]
        #expect(sameJSON(evaluation["toolResults"], expectedResults), "toolResults: \(evaluation["toolResults"].map { JSONWriter.string($0) } ?? "none")")
        let calls = evaluation["toolCalls"]?.arrayValue ?? []
        try #require(calls.count == 1, "toolCalls: \(calls)")
        let callId = try #require(calls[0]["toolCallId"]?.stringValue)
        if let expectedId = provider.toolCallId { #expect(callId == expectedId) } else { #expect(!callId.isEmpty) }
        #expect(calls[0]["toolName"] == "send_email")
        #expect(calls[0]["allowed"] == .bool(scenario.allowed))
        #expect(calls[0]["reason"] == .string(scenario.refusalReason ?? ""))

        let response = record["response"]
        if let clientResponse {
            #expect(sameJSON(response, clientResponse), "the record holds what the client got")
        } else if let reason = scenario.refusalReason {
            // Reassembled: the text streamed before the hold, then CONTENT; no tool call.
            #expect(provider.text(of: response) == ScenarioProvider.replyText + ScenarioProvider.content(reason: reason))
            #expect(provider.toolCalls(of: response).isEmpty)
        } else {
            #expect(provider.text(of: response) == ScenarioProvider.replyText)
            let calls = provider.toolCalls(of: response)
            #expect(calls.map(\.name) == ["send_email"])
            #expect(calls.first.map { sameJSON($0.arguments, json(ScenarioProvider.sendArguments)) } == true)
        }
        let recordText = JSONWriter.string(record)
        for key in ["sk-client-openai", "sk-ant-client", "AIza-client-gemini"] {
            #expect(!recordText.contains(key), "the record holds a key")
        }
    }
}
