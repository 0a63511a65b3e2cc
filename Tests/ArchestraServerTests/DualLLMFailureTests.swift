import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Dual LLM failures: a failed call ends the run, the result is withheld with a fixed note, nothing is cached
/// and the request goes on.
@Suite("Dual LLM: failures", .timeLimit(.minutes(2)))
struct DualLLMFailureTests {
    static let withheld = "[Tool result withheld: Dual LLM analysis failed]"

    enum Failure: String, Sendable, CaseIterable {
        case status500, status429, noContent, notJSON, timeout

        var reply: FakeReply {
            switch self {
            case .status500: .json(#"{"error":{"message":"boom","type":"server_error"}}"#, status: 500)
            case .status429: .json(#"{"error":{"message":"slow down","type":"rate_limit"}}"#, status: 429)
            case .noContent: .json(#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}"#)
            case .notJSON: .text("<html>bad gateway</html>", status: 200, contentType: "text/html")
            case .timeout:
                // Held until the gateway has given up (the test then opens the gate): late whatever the upstream
                // timeout, so the gateway keeps the harness's timeout, generous for every other call of the run.
                FakeReply(holdsHead: true, body: .bytes(Array(ScriptedReplies.text("too late", provider: .openai).utf8)))
            }
        }
    }

    struct FailureCase: Sendable, CustomTestStringConvertible {
        var failure: Failure
        var at: ScriptedCall.Kind
        /// The Dual LLM calls made before the run stopped, the failed one included.
        var expectedCalls: [ScriptedCall.Kind]

        var testDescription: String { "\(failure.rawValue) on the \(at.rawValue) call" }
    }

    static let cases: [FailureCase] = [
        FailureCase(failure: .status500, at: .main, expectedCalls: [.main]),
        FailureCase(failure: .status500, at: .quarantined, expectedCalls: [.main, .quarantined]),
        FailureCase(failure: .status500, at: .summary, expectedCalls: [.main, .quarantined, .main, .summary]),
        FailureCase(failure: .status429, at: .quarantined, expectedCalls: [.main, .quarantined]),
        FailureCase(failure: .noContent, at: .main, expectedCalls: [.main]),
        FailureCase(failure: .noContent, at: .summary, expectedCalls: [.main, .quarantined, .main, .summary]),
        FailureCase(failure: .notJSON, at: .quarantined, expectedCalls: [.main, .quarantined]),
        FailureCase(failure: .timeout, at: .quarantined, expectedCalls: [.main, .quarantined]),
        FailureCase(failure: .timeout, at: .summary, expectedCalls: [.main, .quarantined, .main, .summary]),
    ]

    @Test("a failed call withholds the result, the request completes, nothing is cached; a later healthy run caches", arguments: cases)
    func failedRun(_ testCase: FailureCase) async throws {
        let failing = SharedValue(true)
        try await withDualLLMGateway(handler: { call in
            guard failing.current, call.kind == testCase.at else { return nil }
            return testCase.failure.reply
        }) { upstream, live in
            try await live.configureDualLLM()
            let body = ToolResultConversation.openAI([("call_fail", "get_emails", ToolResultConversation.injectedEmail(tag: "delta"))])
            let headers: HTTPFields = [.userAgent: "fragile", .authorization: "Bearer sk-client"]
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: body)
            upstream.gate.release()
            #expect(response.status == .ok)
            #expect(try response.json() == json(upstreamCompletion))
            #expect(upstream.dualLLMCalls.map(\.kind) == testCase.expectedCalls)
            let client = try #require(upstream.clientCalls.only)
            #expect(ToolResultConversation.openAIToolContents(client.json).map(\.content) == [Self.withheld])
            #expect(!client.bodyText.contains("attacker@evil.example"))
            #expect(try await live.getJSON("/api/dual-llm-results") == [], "a failed run is not cached")
            let verdict = try await live.onlyInteraction()["evaluation"]?["toolResults"]?.arrayValue?.first
            #expect(verdict?["dualLlm"] == true, "the failure note replaced the result")
            #expect(verdict?["verdict"] == "untrusted")

            // Nothing was cached, so the same conversation is quarantined again once the provider recovers.
            failing.set(false)
            let before = upstream.dualLLMCalls.count
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: body).status == .ok)
            #expect(upstream.dualLLMCalls.dropFirst(before).map(\.kind) == [.main, .quarantined, .main, .summary])
            #expect(ToolResultConversation.openAIToolContents(upstream.clientCalls.last?.json).map(\.content) == [DualLLMBrain.summary(for: ["delta"])])
            #expect(try await live.getJSON("/api/dual-llm-results").arrayValue?.count == 1)
            try await expectStillServing(live)
        }
    }

    @Test("an unreachable Dual LLM provider withholds the result; the request still completes")
    func unreachableProvider() async throws {
        let nowhere = "http://127.0.0.1:\(closedPort)"
        try await withDualLLMGateway(environment: ["ARCHESTRA_GEMINI_BASE_URL": nowhere, "GEMINI_API_KEY": "gk-server"]) { upstream, live in
            try await live.configureDualLLM(["enabled": true, "provider": "gemini", "model": "gemini-2.5-flash"])
            let body = ToolResultConversation.openAI([("call_1", "get_emails", ToolResultConversation.injectedEmail())])
            let headers: HTTPFields = [.userAgent: "lonely", .authorization: "Bearer sk-client"]
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: body)
            #expect(response.status == .ok)
            #expect(upstream.dualLLMCalls.isEmpty)
            #expect(ToolResultConversation.openAIToolContents(upstream.clientCalls.only?.json).map(\.content) == [Self.withheld])
            #expect(try await live.getJSON("/api/dual-llm-results") == [])
            #expect(try await live.onlyInteraction()["statusCode"] == 200)
        }
    }

    @Test("one failed run among several withholds only its own result")
    func failureIsPerResult() async throws {
        try await withDualLLMGateway(handler: { call in
            call.kind == .quarantined && call.allText.contains("TAG=beta") ? Failure.status500.reply : nil
        }) { upstream, live in
            try await live.configureDualLLM()
            let body = ToolResultConversation.openAI([
                ("call_a", "get_emails", ToolResultConversation.injectedEmail(tag: "alpha")),
                ("call_b", "get_emails", ToolResultConversation.injectedEmail(tag: "beta")),
                ("call_c", "get_emails", ToolResultConversation.injectedEmail(tag: "gamma")),
            ])
            let headers: HTTPFields = [.userAgent: "partial", .authorization: "Bearer sk-client"]
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: body).status == .ok)
            let contents = ToolResultConversation.openAIToolContents(upstream.clientCalls.only?.json).map(\.content)
            #expect(contents == [DualLLMBrain.summary(for: ["alpha"]), Self.withheld, DualLLMBrain.summary(for: ["gamma"])])
            let stored = try await live.getJSON("/api/dual-llm-results").arrayValue ?? []
            #expect(Set(stored.compactMap { $0["toolCallId"]?.stringValue }) == ["call_a", "call_c"])
            let verdicts = try await live.onlyInteraction()["evaluation"]?["toolResults"]?.arrayValue ?? []
            #expect(verdicts.map { $0["dualLlm"] } == [true, true, true])
        }
    }
}
