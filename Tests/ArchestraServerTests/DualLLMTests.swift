import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The Dual LLM quarantine end to end (configuration, results and the protocol), OpenAI clients.
@Suite("Dual LLM: end to end", .timeLimit(.minutes(2)))
struct DualLLMTests {
    static func headers(agent: String, key: String? = "Bearer sk-client-openai") -> HTTPFields {
        var fields: HTTPFields = [.userAgent: agent, .contentType: "application/json"]
        if let key { fields[.authorization] = key }
        return fields
    }

    static let quarantinedResponseFormat = json(
        #"{"type":"json_schema","json_schema":{"name":"multiple_choice_response","schema":{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"],"additionalProperties":false}}}"#
    )

    /// Fails when a Dual LLM main or summary call (or `extra` calls) carries any text of the injected e-mail.
    static func expectNoInjection(in calls: [ScriptedCall], sourceLocation: SourceLocation = #_sourceLocation) {
        for call in calls where call.kind == .main || call.kind == .summary || call.kind == .client {
            for marker in ToolResultConversation.injectionMarkers {
                #expect(!call.bodyText.contains(marker), "\(call.kind) call carries '\(marker)': \(call.bodyText)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("the default config: disabled, 5 rounds, built-in prompts with their variables; PUT enables it")
    func defaultConfigAndEnable() async throws {
        try await withDualLLMGateway { _, live in
            let config = try await live.getJSON("/api/dual-llm-config/default")
            let id = try #require(config["id"]?.stringValue)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased())
            #expect(config["enabled"] == false)
            #expect(config["maxRounds"] == 5)
            #expect(config["provider"] == "openai")
            #expect(config["model"] == "gpt-4o")
            #expect(config["mainAgentPrompt"]?.stringValue?.contains("{{originalUserRequest}}") == true)
            #expect(config["mainAgentPrompt"]?.stringValue?.contains("{{toolResultData}}") == false)
            for variable in ["{{toolResultData}}", "{{question}}", "{{options}}", "{{maxIndex}}"] {
                #expect(config["quarantinedAgentPrompt"]?.stringValue?.contains(variable) == true, "\(variable)")
            }
            #expect(config["summaryPrompt"]?.stringValue?.contains("{{qaText}}") == true)
            #expect(config["createdAt"]?.stringValue?.hasSuffix("Z") == true)
            #expect(try await live.getJSON("/api/dual-llm-config/default") == config, "created once, then returned")
            #expect(try await live.getJSON("/api/dual-llm-config") == [config])

            let enabled = try await live.configureDualLLM()
            #expect(enabled["id"] == config["id"])
            #expect(enabled["enabled"] == true)
            for field in ["mainAgentPrompt", "quarantinedAgentPrompt", "summaryPrompt", "maxRounds", "provider", "model", "createdAt"] {
                #expect(enabled[field] == config[field], "PUT {enabled} must leave \(field) unchanged")
            }
            #expect(try await live.getJSON("/api/dual-llm-config/default") == enabled)
            #expect(try await live.getJSON("/api/dual-llm-config/\(id)") == enabled)
        }
    }

    @Test("an untrusted e-mail is replaced by the summary; the privileged calls never see it; results API; replay is cached")
    func openAIEndToEnd() async throws {
        try await withDualLLMGateway(environment: ["OPENAI_API_KEY": "sk-server-openai"]) { upstream, live in
            try await live.configureDualLLM()
            let body = ToolResultConversation.openAI([("call_inbox", "get_emails", ToolResultConversation.injectedEmail(tag: "beta"))])
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "mail-agent"), body: body)
            #expect(response.status == .ok)
            #expect(try response.json() == json(upstreamCompletion))

            let summary = DualLLMBrain.summary(for: ["beta"])
            let dual = upstream.dualLLMCalls
            #expect(dual.map(\.kind) == [.main, .quarantined, .main, .summary])
            for call in dual {
                #expect(call.request.method == "POST")
                #expect(call.request.pathAndQuery == "/chat/completions")
                #expect(call.request.header("Authorization") == "Bearer sk-client-openai", "the client's key, as it speaks OpenAI")
                #expect(call.json?["model"] == "gpt-4o")
                #expect(call.json?["temperature"] == 0)
                #expect(call.json?["stream"] == nil)
                #expect((call.json?["response_format"] != nil) == (call.kind == .quarantined))
            }
            Self.expectNoInjection(in: upstream.calls)

            let firstMain = try #require(dual.first)
            let mainPrompt = DualLLMTemplate.fill(DualLLMPrompts.main, [.originalUserRequest: "Summarise my inbox"])
            #expect(firstMain.texts == [mainPrompt])
            #expect(firstMain.roles == ["user"])
            let quarantined = dual[1]
            #expect(sameJSON(quarantined.json?["response_format"], Self.quarantinedResponseFormat))
            #expect(quarantined.roles == ["user"])
            #expect(ToolResultConversation.injectionMarkers.allSatisfy { quarantined.allText.contains($0) }, "only this call sees the data")
            #expect(dual[2].roles == ["user", "assistant", "user"])
            #expect(dual[2].texts.dropFirst() == [DualLLMBrain().questions[0], "Answer: 1 (beta)"])
            #expect(dual[3].roles == ["user"])
            #expect(dual[3].allText.contains("Answer: 1 (beta)"))

            let client = try #require(upstream.clientCalls.only)
            #expect(client.request.pathAndQuery == "/chat/completions")
            #expect(client.request.header("Authorization") == "Bearer sk-client-openai")
            #expect(ToolResultConversation.openAIToolContents(client.json).map(\.content) == [summary])
            #expect(ToolResultConversation.openAIToolContents(client.json).map(\.id) == ["call_inbox"])

            let agentId = try await live.agentId(named: "mail-agent")
            let record = try await live.onlyInteraction()
            #expect(sameJSON(
                record["evaluation"]?["toolResults"],
                json(#"[{"toolCallId":"call_inbox","toolName":"get_emails","verdict":"untrusted","reason":"No trust policy defined for tool get_emails - data is untrusted by default","dualLlm":true}]"#)
            ))
            #expect(record["evaluation"]?["contextIsTrusted"] == false, "the context stays untrusted")

            // Results API.
            let results = try await live.getJSON("/api/dual-llm-results")
            let stored = try #require(results.arrayValue?.only)
            #expect(stored["agentId"] == .string(agentId))
            #expect(stored["toolCallId"] == "call_inbox")
            #expect(stored["result"] == .string(summary))
            #expect(stored["id"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
            #expect(stored["createdAt"]?.stringValue?.hasSuffix("Z") == true)
            let conversation = stored["conversations"]?.arrayValue ?? []
            #expect(conversation.map { $0["role"]?.stringValue ?? "?" } == ["user", "assistant", "user", "assistant"])
            #expect(conversation.map { $0["content"]?.stringValue ?? "?" } == [mainPrompt, DualLLMBrain().questions[0], "Answer: 1 (beta)", "DONE"])
            #expect(!JSONWriter.string(stored).contains("attacker@evil.example"))
            #expect(try await live.getJSON("/api/dual-llm-results?agentId=\(agentId)") == results)
            #expect(try await live.getJSON("/api/dual-llm-results?agentId=\(UUID().uuidString.lowercased())") == [])
            expectGatewayError(try await live.send(.get, "/api/dual-llm-results?agentId=nope"), status: .badRequest, type: "invalid_request_error")
            #expect(try await live.getJSON("/api/dual-llm-results/by-tool-call-id/call_inbox") == stored)
            let unknown = try await live.send(.get, "/api/dual-llm-results/by-tool-call-id/call_unknown")
            #expect(unknown.status == .ok)
            #expect(unknown.bodyText.trimmingCharacters(in: .whitespacesAndNewlines) == "null")
            let interactionId = try #require(record["id"]?.stringValue)
            #expect(try await live.getJSON("/api/dual-llm-results/by-interaction/\(interactionId)") == [stored])
            expectGatewayError(
                try await live.send(.get, "/api/dual-llm-results/by-interaction/\(UUID().uuidString.lowercased())"),
                status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.get, "/api/dual-llm-results/by-interaction/not-a-uuid"), status: .badRequest, type: "invalid_request_error")

            // Replaying the conversation reuses the stored result: no new Dual LLM call.
            let replay = try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "mail-agent"), body: body)
            #expect(replay.status == .ok)
            #expect(upstream.dualLLMCalls.count == dual.count)
            #expect(upstream.clientCalls.count == 2)
            #expect(ToolResultConversation.openAIToolContents(upstream.clientCalls.last?.json).map(\.content) == [summary])
            #expect(try await live.getJSON("/api/dual-llm-results").arrayValue?.count == 1)
            let records = try await live.waitForInteractions(count: 2)
            #expect(records.first?["evaluation"]?["toolResults"]?.arrayValue?.first?["dualLlm"] == true)
            Self.expectNoInjection(in: upstream.calls)
        }
    }

    @Test("the cache is per agent: the same tool call id for another agent is quarantined again")
    func cacheIsPerAgent() async throws {
        try await withDualLLMGateway { upstream, live in
            try await live.configureDualLLM()
            let body = ToolResultConversation.openAI([("call_shared", "get_emails", ToolResultConversation.injectedEmail(tag: "gamma"))])
            for agent in ["agent-one", "agent-two", "agent-one"] {
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: agent), body: body).status == .ok)
            }
            #expect(upstream.dualLLMCalls.filter { $0.kind == .summary }.count == 2)
            let results = try await live.getJSON("/api/dual-llm-results").arrayValue ?? []
            #expect(results.count == 2)
            #expect(Set(results.compactMap { $0["agentId"]?.stringValue }).count == 2)
            #expect(upstream.clientCalls.allSatisfy {
                ToolResultConversation.openAIToolContents($0.json).map(\.content) == [DualLLMBrain.summary(for: ["gamma"])]
            })
        }
    }

    @Test("disabled (the default): no Dual LLM call, the tool result goes upstream unchanged")
    func disabledMakesNoCall() async throws {
        try await withDualLLMGateway { upstream, live in
            let email = ToolResultConversation.injectedEmail()
            let body = ToolResultConversation.openAI([("call_1", "get_emails", email)])
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "off"), body: body).status == .ok)
            #expect(upstream.dualLLMCalls.isEmpty)
            #expect(upstream.clientCalls.count == 1)
            #expect(ToolResultConversation.openAIToolContents(upstream.clientCalls.first?.json).map(\.content) == [email])
            #expect(try await live.onlyInteraction()["evaluation"]?["toolResults"]?.arrayValue?.first?["dualLlm"] == false)
            #expect(try await live.getJSON("/api/dual-llm-results") == [])

            // Enabled, then disabled again: back to no calls.
            try await live.configureDualLLM(["enabled": true])
            try await live.configureDualLLM(["enabled": false])
            let other = ToolResultConversation.openAI([("call_2", "get_emails", email)])
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "off"), body: other).status == .ok)
            #expect(upstream.dualLLMCalls.isEmpty)
        }
    }

    @Test("mock mode: no Dual LLM call and no provider call, even when enabled")
    func mockModeMakesNoCall() async throws {
        try await withDualLLMGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { upstream, live in
            try await live.configureDualLLM()
            let body = ToolResultConversation.openAI([("call_1", "get_emails", ToolResultConversation.injectedEmail())])
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "mock"), body: body)
            #expect(response.status == .ok)
            #expect(try response.json()["id"] == "chatcmpl-mock123")
            #expect(upstream.calls.isEmpty)
            #expect(try await live.getJSON("/api/dual-llm-results") == [])
            let result = try await live.onlyInteraction()["evaluation"]?["toolResults"]?.arrayValue?.first
            #expect(result?["verdict"] == "untrusted")
            #expect(result?["dualLlm"] == false)
        }
    }

    @Test("trusted and blocked results are not quarantined; only the untrusted one is")
    func onlyUntrustedResults() async throws {
        try await withDualLLMGateway { upstream, live in
            let trustedData = #"{"emails":[{"from":"boss@example.com","subject":"TAG=alpha"}]}"#
            let blockedData = #"{"emails":[{"from":"spy@hacker.example","subject":"TAG=delta"}]}"#
            let untrustedData = #"{"emails":[{"from":"someone@else.example","subject":"TAG=gamma"}]}"#
            let body = ToolResultConversation.openAI([
                ("call_trusted", "read_trusted", trustedData), ("call_blocked", "read_blocked", blockedData),
                ("call_untrusted", "read_untrusted", untrustedData),
            ])
            // Discover the tools while the Dual LLM is off, then trust one and block another.
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "mixed"), body: body).status == .ok)
            #expect(upstream.dualLLMCalls.isEmpty)
            let agentId = try await live.agentId(named: "mixed")
            let trustedTool = try await live.toolId(named: "read_trusted", agentId: agentId)
            let blockedTool = try await live.toolId(named: "read_blocked", agentId: agentId)
            #expect(try await live.sendJSON(.patch, "/api/tools/\(trustedTool)", #"{"dataIsTrustedByDefault":true}"#).status == .ok)
            let policy = JSONWriter.string([
                "toolId": .string(blockedTool), "description": "Block hackers", "attributePath": "emails[*].from",
                "operator": "contains", "value": "hacker", "action": "block_always",
            ])
            #expect(try await live.sendJSON(.post, "/api/trusted-data-policies", policy).status == .ok)
            try await live.configureDualLLM()

            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "mixed"), body: body).status == .ok)
            let dual = upstream.dualLLMCalls
            #expect(dual.filter { $0.kind == .main && $0.roles.count == 1 }.count == 1, "one run: the untrusted result")
            #expect(dual.filter { $0.kind == .quarantined }.allSatisfy { $0.allText.contains("TAG=gamma") && !$0.allText.contains("TAG=alpha") && !$0.allText.contains("TAG=delta") })
            #expect(!dual.isEmpty)
            let contents = ToolResultConversation.openAIToolContents(upstream.clientCalls.last?.json)
            #expect(contents.map(\.id) == ["call_trusted", "call_blocked", "call_untrusted"])
            #expect(contents.map(\.content) == [
                trustedData, "[Content blocked by policy: Data blocked by policy: Block hackers]", DualLLMBrain.summary(for: ["gamma"]),
            ])
            let records = try await live.waitForInteractions(count: 2)
            let verdicts = records.first?["evaluation"]?["toolResults"]?.arrayValue ?? []
            #expect(verdicts.map { $0["verdict"]?.stringValue ?? "?" } == ["trusted", "blocked", "untrusted"])
            #expect(verdicts.map { $0["dualLlm"] } == [false, false, true])
            let stored = try await live.getJSON("/api/dual-llm-results").arrayValue ?? []
            #expect(stored.map { $0["toolCallId"]?.stringValue ?? "?" } == ["call_untrusted"])
        }
    }

    @Test("the round limit holds end to end: maxRounds 2 against a model that keeps asking → 2 × 2 + 1 calls")
    func roundLimitEndToEnd() async throws {
        let chatty = DualLLMBrain(questions: (0..<10).map { "QUESTION: Question \($0)?\nOPTIONS:\n0: yes\n1: no" })
        try await withDualLLMGateway(brain: chatty) { upstream, live in
            try await live.configureDualLLM(["enabled": true, "maxRounds": 2])
            let body = ToolResultConversation.openAI([("call_1", "get_emails", ToolResultConversation.injectedEmail())])
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "chatty"), body: body).status == .ok)
            #expect(upstream.dualLLMCalls.map(\.kind) == [.main, .quarantined, .main, .quarantined, .summary])
            let stored = try #require(try await live.getJSON("/api/dual-llm-results").arrayValue?.only)
            #expect(stored["conversations"]?.arrayValue?.count == 5, "prompt, two questions, two answers")
        }
    }

    @Test("the user request is the latest user turn with text; without one, `process this data`")
    func originalUserRequest() async throws {
        try await withDualLLMGateway { upstream, live in
            try await live.configureDualLLM()
            let email = ToolResultConversation.injectedEmail()
            // Two user turns: the latest one with text (given as text parts) is the request.
            let withParts = JSONWriter.string([
                "model": "gpt-4o",
                "messages": [
                    ["role": "user", "content": "an older request"],
                    ["role": "user", "content": [["type": "text", "text": "Find the invoice"]]],
                    ["role": "assistant", "content": .null, "tool_calls": [["id": "call_p", "type": "function", "function": ["name": "get_emails", "arguments": "{}"]]]],
                    ["role": "tool", "tool_call_id": "call_p", "content": .string(email)],
                ],
            ])
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "req"), body: withParts).status == .ok)
            let first = try #require(upstream.dualLLMCalls.first { $0.kind == .main })
            #expect(first.texts == [DualLLMTemplate.fill(DualLLMPrompts.main, [.originalUserRequest: "Find the invoice"])])

            // No user text at all.
            let before = upstream.dualLLMCalls.count
            let noUser = JSONWriter.string([
                "model": "gpt-4o",
                "messages": [
                    ["role": "system", "content": "You are a mail bot."],
                    ["role": "assistant", "content": .null, "tool_calls": [["id": "call_n", "type": "function", "function": ["name": "get_emails", "arguments": "{}"]]]],
                    ["role": "tool", "tool_call_id": "call_n", "content": .string(email)],
                ],
            ])
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.headers(agent: "req"), body: noUser).status == .ok)
            let second = try #require(upstream.dualLLMCalls.dropFirst(before).first { $0.kind == .main })
            #expect(second.texts == [DualLLMTemplate.fill(DualLLMPrompts.main, [.originalUserRequest: "process this data"])])
            Self.expectNoInjection(in: upstream.calls)
        }
    }

    @Test("six untrusted results in one request: each gets its own summary; at most 4 runs at once, and more than 1")
    func severalResultsConcurrently() async throws {
        let tags = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
        let waiting = SharedValue(0)
        try await withDualLLMGateway(handler: { call in
            // Hold each run's first call until four runs are waiting together (or give up, failing the check below).
            guard call.kind == .main, call.roles.count == 1 else { return nil }
            waiting.update { $0 += 1 }
            for _ in 0..<1_000 where waiting.current < 4 { try? await Task.sleep(for: .milliseconds(10)) }
            // Leave a moment in which an unbounded implementation would start its fifth and sixth runs.
            try? await Task.sleep(for: .milliseconds(200))
            return nil
        }) { upstream, live in
            try await live.configureDualLLM()
            let results = tags.enumerated().map { index, tag in
                (id: "call_\(index)", tool: "get_emails", content: ToolResultConversation.injectedEmail(tag: tag))
            }
            let response = try await live.send(
                .post, "/v1/openai/chat/completions", headers: Self.headers(agent: "busy"), body: ToolResultConversation.openAI(results))
            #expect(response.status == .ok)
            #expect(upstream.peakInFlight <= 4, "peak \(upstream.peakInFlight)")
            #expect(upstream.peakInFlight > 1, "peak \(upstream.peakInFlight)")
            #expect(upstream.dualLLMCalls.filter { $0.kind == .summary }.count == 6)
            let contents = ToolResultConversation.openAIToolContents(upstream.clientCalls.only?.json)
            #expect(contents.map(\.id) == results.map(\.id))
            #expect(contents.map(\.content) == tags.map { DualLLMBrain.summary(for: [$0]) })
            Self.expectNoInjection(in: upstream.calls)
            let stored = try await live.getJSON("/api/dual-llm-results").arrayValue ?? []
            #expect(Set(stored.compactMap { $0["toolCallId"]?.stringValue }) == Set(results.map(\.id)))
            let verdicts = try await live.onlyInteraction()["evaluation"]?["toolResults"]?.arrayValue ?? []
            #expect(verdicts.count == 6 && verdicts.allSatisfy { $0["dualLlm"] == true })
        }
    }
}

extension Collection {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
