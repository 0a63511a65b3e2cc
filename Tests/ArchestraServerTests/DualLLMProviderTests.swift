import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The Dual LLM for Anthropic and Gemini clients, the Dual LLM's own provider and model, and whose key its calls carry.
@Suite("Dual LLM: providers and keys", .timeLimit(.minutes(2)))
struct DualLLMProviderTests {
    static let email = ToolResultConversation.injectedEmail(tag: "beta")

    static func anthropicBody() -> String {
        let secondEmail = ToolResultConversation.injectedEmail(tag: "gamma")
        let messages: JSONValue = [
            ["role": "user", "content": "Summarise my inbox"],
            ["role": "assistant", "content": [
                ["type": "text", "text": "Let me look."],
                ["type": "tool_use", "id": "toolu_1", "name": "get_emails", "input": [:]],
                ["type": "tool_use", "id": "toolu_2", "name": "get_emails", "input": ["folder": "spam"]],
            ]],
            ["role": "user", "content": [
                ["type": "tool_result", "tool_use_id": "toolu_1", "content": .string(email)],
                ["type": "tool_result", "tool_use_id": "toolu_2", "content": [["type": "text", "text": .string(secondEmail)]]],
            ]],
        ]
        return JSONWriter.string([
            "model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": messages,
            "tools": [["name": "get_emails", "input_schema": ["type": "object"]]],
        ])
    }

    static func geminiBody() -> String {
        JSONWriter.string([
            "contents": [
                ["role": "user", "parts": [["text": "Summarise my inbox"]]],
                ["role": "model", "parts": [["functionCall": ["name": "get_emails", "args": [:]]]]],
                ["role": "user", "parts": [["functionResponse": ["name": "get_emails", "response": json(email)]]]],
            ],
            "tools": [["functionDeclarations": [["name": "get_emails", "parameters": ["type": "object"]]]]],
        ])
    }

    @Test("Anthropic client with a virtual key: tool_result blocks replaced by summaries; Dual LLM on OpenAI with Bearer $OPENAI_API_KEY")
    func anthropicClient() async throws {
        try await withDualLLMGateway(environment: ["OPENAI_API_KEY": "sk-server-openai", "ANTHROPIC_API_KEY": "sk-ant-server"]) { upstream, live in
            try await live.configureDualLLM()
            let secret = try await live.createVirtualKey(agent: "claude-agent")
            let headers: HTTPFields = [
                .userAgent: "claude-agent", .contentType: "application/json",
                HTTPField.Name("x-api-key")!: secret, HTTPField.Name("anthropic-version")!: "2023-06-01",
            ]
            let response = try await live.send(.post, "/v1/anthropic/v1/messages", headers: headers, body: Self.anthropicBody())
            #expect(response.status == .ok, "\(response.bodyText)")

            let dual = upstream.dualLLMCalls
            #expect(dual.filter { $0.kind == .summary }.count == 2)
            for call in dual {
                #expect(call.request.pathAndQuery == "/chat/completions")
                #expect(call.request.header("Authorization") == "Bearer sk-server-openai")
                #expect(call.request.header("x-api-key") == nil)
                #expect(!call.request.headers.contains { $0.value.contains(secret) || $0.value.contains("sk-ant-server") })
                #expect(call.json?["model"] == "gpt-4o")
            }
            let mainPrompt = DualLLMTemplate.fill(DualLLMPrompts.main, [.originalUserRequest: "Summarise my inbox"])
            #expect(dual.filter { $0.kind == .main && $0.roles.count == 1 }.map(\.texts) == [[mainPrompt], [mainPrompt]])
            DualLLMTests.expectNoInjection(in: upstream.calls)

            let client = try #require(upstream.clientCalls.only)
            #expect(client.request.pathAndQuery == "/anthropic/messages")
            #expect(client.request.header("x-api-key") == "sk-ant-server")
            let blocks = client.json?["messages"]?.arrayValue?.last?["content"]?.arrayValue ?? []
            #expect(blocks.map { $0["tool_use_id"]?.stringValue ?? "?" } == ["toolu_1", "toolu_2"])
            #expect(blocks.map { $0["content"] } == [
                .string(DualLLMBrain.summary(for: ["beta"])), .string(DualLLMBrain.summary(for: ["gamma"])),
            ])

            let record = try await live.onlyInteraction()
            #expect(record["type"] == "anthropic:messages")
            #expect(record["evaluation"]?["toolResults"]?.arrayValue?.map { $0["dualLlm"] } == [true, true])
            let interactionId = try #require(record["id"]?.stringValue)
            let byInteraction = try await live.getJSON("/api/dual-llm-results/by-interaction/\(interactionId)").arrayValue ?? []
            #expect(byInteraction.map { $0["toolCallId"]?.stringValue ?? "?" }.sorted() == ["toolu_1", "toolu_2"])
        }
    }

    @Test("Gemini client with a virtual key: functionResponse replaced by {\"output\": summary}; Dual LLM on OpenAI with the server key")
    func geminiClient() async throws {
        try await withDualLLMGateway(environment: ["OPENAI_API_KEY": "sk-server-openai", "GEMINI_API_KEY": "gk-server"]) { upstream, live in
            try await live.configureDualLLM()
            let secret = try await live.createVirtualKey(agent: "gemini-agent")
            let headers: HTTPFields = [.userAgent: "gemini-agent", .contentType: "application/json", HTTPField.Name("x-goog-api-key")!: secret]
            let response = try await live.send(.post, "/v1/gemini/v1beta/models/m:generateContent", headers: headers, body: Self.geminiBody())
            #expect(response.status == .ok, "\(response.bodyText)")

            let dual = upstream.dualLLMCalls
            #expect(dual.map(\.kind) == [.main, .quarantined, .main, .summary])
            for call in dual {
                #expect(call.request.pathAndQuery == "/chat/completions")
                #expect(call.request.header("Authorization") == "Bearer sk-server-openai")
                #expect(!call.request.headers.contains { $0.value.contains(secret) })
            }
            DualLLMTests.expectNoInjection(in: upstream.calls)

            let client = try #require(upstream.clientCalls.only)
            #expect(client.request.pathAndQuery == "/gemini/models/m:generateContent")
            let part = client.json?["contents"]?.arrayValue?.last?["parts"]?.arrayValue?.first
            #expect(part?["functionResponse"]?["name"] == "get_emails")
            #expect(part?["functionResponse"]?["response"] == ["output": .string(DualLLMBrain.summary(for: ["beta"]))])

            let record = try await live.onlyInteraction()
            let toolCallId = try #require(record["evaluation"]?["toolResults"]?.arrayValue?.first?["toolCallId"]?.stringValue)
            #expect(record["evaluation"]?["toolResults"]?.arrayValue?.first?["dualLlm"] == true)
            let stored = try await live.getJSON("/api/dual-llm-results/by-tool-call-id/\(toolCallId)")
            #expect(stored["result"] == .string(DualLLMBrain.summary(for: ["beta"])))
            let interactionId = try #require(record["id"]?.stringValue)
            #expect(try await live.getJSON("/api/dual-llm-results/by-interaction/\(interactionId)") == [stored])

            // The same functionResponse again (same synthetic id): served from the cache.
            #expect(try await live.send(.post, "/v1/gemini/v1beta/models/m:generateContent", headers: headers, body: Self.geminiBody()).status == .ok)
            #expect(upstream.dualLLMCalls.count == dual.count)
        }
    }

    /// Who is calling, how the Dual LLM is configured, and what its calls must carry.
    struct KeyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var client: Provider
        var clientHeader: (name: String, value: String)?
        var clientQuery: String = ""
        var dualProvider: Provider
        var environment: [String: String]
        /// The header every Dual LLM call must carry (nil: none of the key headers).
        var expected: (name: String, value: String)?
        var expectedQuery: String = ""
        /// Text no Dual LLM call may carry in any header.
        var forbidden: [String]
        /// Nobody can pay for the quarantine's calls: none is made and the result is withheld.
        var withheld = false

        var testDescription: String { name }

        /// Stands for a virtual key created for the test (its secret is only known once the gateway runs).
        static let virtualKey = "{virtual key}"
    }

    static let allKeys = ["OPENAI_API_KEY": "sk-server", "ANTHROPIC_API_KEY": "sk-ant-server", "GEMINI_API_KEY": "gk-server"]

    static let keyCases: [KeyCase] = [
        KeyCase(
            name: "OpenAI client, OpenAI Dual LLM: the client's Authorization", client: .openai,
            clientHeader: ("Authorization", "Bearer sk-client"), dualProvider: .openai, environment: allKeys,
            expected: ("Authorization", "Bearer sk-client"), forbidden: ["sk-server"]),
        KeyCase(
            name: "OpenAI client without a key, OpenAI Dual LLM: nothing called (an anonymous request cannot spend the server key)",
            client: .openai, clientHeader: nil, dualProvider: .openai, environment: allKeys, expected: nil, forbidden: ["sk-server"],
            withheld: true),
        KeyCase(
            name: "Anthropic client with its own key, OpenAI Dual LLM: nothing called (its key does not unlock the server's)",
            client: .anthropic, clientHeader: ("x-api-key", "sk-ant-client"), dualProvider: .openai, environment: allKeys,
            expected: nil, forbidden: ["sk-ant-client", "sk-server"], withheld: true),
        KeyCase(
            name: "Anthropic client with a virtual key, OpenAI Dual LLM: Bearer $OPENAI_API_KEY", client: .anthropic,
            clientHeader: ("x-api-key", KeyCase.virtualKey), dualProvider: .openai, environment: allKeys,
            expected: ("Authorization", "Bearer sk-server"), forbidden: ["sk-arch-", "sk-ant-server"]),
        KeyCase(
            name: "Anthropic client, Anthropic Dual LLM: the client's x-api-key", client: .anthropic,
            clientHeader: ("x-api-key", "sk-ant-client"), dualProvider: .anthropic, environment: allKeys,
            expected: ("x-api-key", "sk-ant-client"), forbidden: ["sk-ant-server"]),
        KeyCase(
            name: "OpenAI client with its own key, Anthropic Dual LLM: nothing called", client: .openai,
            clientHeader: ("Authorization", "Bearer sk-client"), dualProvider: .anthropic, environment: allKeys,
            expected: nil, forbidden: ["sk-client", "sk-ant-server"], withheld: true),
        KeyCase(
            name: "OpenAI client with a virtual key, Anthropic Dual LLM: $ANTHROPIC_API_KEY", client: .openai,
            clientHeader: ("Authorization", "Bearer " + KeyCase.virtualKey), dualProvider: .anthropic, environment: allKeys,
            expected: ("x-api-key", "sk-ant-server"), forbidden: ["sk-arch-", "sk-server"]),
        KeyCase(
            name: "OpenAI client with a virtual key, Gemini Dual LLM: $GEMINI_API_KEY", client: .openai,
            clientHeader: ("Authorization", "Bearer " + KeyCase.virtualKey), dualProvider: .gemini, environment: allKeys,
            expected: ("x-goog-api-key", "gk-server"), forbidden: ["sk-arch-"]),
        KeyCase(
            name: "Gemini client, Gemini Dual LLM: the client's x-goog-api-key", client: .gemini,
            clientHeader: ("x-goog-api-key", "gk-client"), dualProvider: .gemini, environment: allKeys,
            expected: ("x-goog-api-key", "gk-client"), forbidden: ["gk-server"]),
        KeyCase(
            name: "Gemini client with ?key=, Gemini Dual LLM: the client's key in the query", client: .gemini, clientHeader: nil,
            clientQuery: "?key=gk-query", dualProvider: .gemini, environment: allKeys, expected: nil, expectedQuery: "?key=gk-query",
            forbidden: ["gk-server"]),
        KeyCase(
            name: "Gemini client, OpenAI Dual LLM without any server key: nothing called, result withheld", client: .gemini,
            clientHeader: ("x-goog-api-key", "gk-client"), dualProvider: .openai, environment: [:], expected: nil,
            forbidden: ["gk-client"], withheld: true),
    ]

    static let dualModels: [Provider: String] = [.openai: "gpt-4o-mini", .anthropic: "claude-quarantine", .gemini: "gemini-quarantine"]

    @Test("the Dual LLM's calls go to its provider's base URL and carry the right key", arguments: keyCases)
    func keyChoice(_ testCase: KeyCase) async throws {
        try await withDualLLMGateway(environment: testCase.environment) { upstream, live in
            let model = Self.dualModels[testCase.dualProvider]!
            try await live.configureDualLLM(["enabled": true, "provider": .string(testCase.dualProvider.rawValue), "model": .string(model)])
            var headers: HTTPFields = [.userAgent: "keys", .contentType: "application/json"]
            if let header = testCase.clientHeader {
                let value = header.value.contains(KeyCase.virtualKey)
                    ? header.value.replacingOccurrences(of: KeyCase.virtualKey, with: try await live.createVirtualKey(agent: "keys"))
                    : header.value
                headers[HTTPField.Name(header.name)!] = value
            }
            let (path, body): (String, String) = switch testCase.client {
            case .openai: ("/v1/openai/chat/completions", ToolResultConversation.openAI([("call_1", "get_emails", Self.email)]))
            case .anthropic: ("/v1/anthropic/v1/messages", Self.anthropicBody())
            case .gemini: ("/v1/gemini/v1beta/models/m:generateContent", Self.geminiBody())
            }
            let response = try await live.send(.post, path + testCase.clientQuery, headers: headers, body: body)
            #expect(response.status == .ok, "\(response.bodyText)")

            let dual = upstream.dualLLMCalls
            if testCase.withheld {
                #expect(dual.isEmpty, "kinds: \(upstream.calls.map(\.kind))")
                #expect(try await live.getJSON("/api/dual-llm-results") == [])
                #expect(try await live.onlyInteraction()["evaluation"]?["toolResults"]?.arrayValue?.first?["dualLlm"] == true)
                return
            }
            #expect(dual.contains { $0.kind == .summary }, "kinds: \(upstream.calls.map(\.kind))")
            let expectedPath = switch testCase.dualProvider {
            case .openai: "/chat/completions"
            case .anthropic: "/anthropic/messages"
            case .gemini: "/gemini/models/\(model):generateContent"
            }
            let keyHeaders = ["authorization", "x-api-key", "x-goog-api-key"]
            for call in dual {
                // Compared decoded: the gateway may percent-encode the key (`gk%2Dquery` is `gk-query`).
                #expect(call.request.pathAndQuery.removingPercentEncoding == expectedPath + testCase.expectedQuery)
                #expect(call.provider == testCase.dualProvider)
                let present = call.request.headers.filter { keyHeaders.contains($0.name.lowercased()) }
                if let expected = testCase.expected {
                    #expect(present.map { "\($0.name.lowercased()): \($0.value)" } == ["\(expected.name.lowercased()): \(expected.value)"])
                } else {
                    #expect(present.isEmpty, "unexpected key headers \(present)")
                }
                for secret in testCase.forbidden {
                    #expect(!call.request.headers.contains { $0.value.contains(secret) }, "\(secret) leaked into a Dual LLM call")
                    #expect(call.request.pathAndQuery.removingPercentEncoding?.contains(secret) == false)
                }
                Self.expectWireShape(call, model: model)
            }
            DualLLMTests.expectNoInjection(in: upstream.calls)
            #expect(upstream.clientCalls.count == 1)
            #expect(try await live.getJSON("/api/dual-llm-results").arrayValue?.isEmpty == false)
        }
    }

    /// The body of a Dual LLM call in its provider's format: the configured model, temperature 0, one user prompt
    /// for quarantined and summary calls, and for the quarantined call a reply constrained to an integer answer.
    static func expectWireShape(_ call: ScriptedCall, model: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let body = call.json
        switch call.provider {
        case .openai:
            #expect(body?["model"] == .string(model), sourceLocation: sourceLocation)
            #expect(body?["temperature"] == 0, sourceLocation: sourceLocation)
            #expect((body?["response_format"] != nil) == (call.kind == .quarantined), sourceLocation: sourceLocation)
        case .anthropic:
            #expect(body?["model"] == .string(model), sourceLocation: sourceLocation)
            #expect(body?["temperature"] == 0, sourceLocation: sourceLocation)
            #expect(body?["max_tokens"]?.intValue.map { $0 > 0 } == true, sourceLocation: sourceLocation)
            #expect(call.request.header("anthropic-version") != nil, sourceLocation: sourceLocation)
        case .gemini:
            #expect(body?["model"] == nil, sourceLocation: sourceLocation)
            #expect(body?["generationConfig"]?["temperature"] == 0, sourceLocation: sourceLocation)
            let constrained = body?["generationConfig"]?["responseSchema"] != nil
            #expect(constrained == (call.kind == .quarantined), sourceLocation: sourceLocation)
            if call.kind == .quarantined {
                #expect(body?["generationConfig"]?["responseMimeType"] == "application/json", sourceLocation: sourceLocation)
            }
        }
        if call.kind != .main { #expect(call.roles == ["user"], sourceLocation: sourceLocation) }
        if call.kind == .main {
            let expectedRoles = (0..<call.roles.count).map { $0.isMultiple(of: 2) ? "user" : "assistant" }
            #expect(call.roles == expectedRoles, sourceLocation: sourceLocation)
        }
    }
}
