import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// Usage and cost end to end: a scripted run through every endpoint, streamed and not, priced with the built-in
/// prices, read back per interaction, from `/api/usage` and from `/metrics`.
@Suite("Usage and cost", .timeLimit(.minutes(2)))
struct UsageTests {
    /// One scripted request, its provider's reply, and what it must cost.
    struct Call: Sendable {
        var name: String
        var path: String
        var headers: HTTPFields
        var body: String
        var reply: FakeReply
        var model: String
        var usage: JSONValue
        /// nil: the model has no price.
        var nanos: Int64?
        var streamed: Bool
    }

    static let openAIKey: HTTPFields = [.authorization: "Bearer sk-client-openai", .contentType: "application/json"]
    static let anthropicKey: HTTPFields = [
        HTTPField.Name("x-api-key")!: "sk-ant-client", HTTPField.Name("anthropic-version")!: "2023-06-01", .contentType: "application/json",
    ]
    static let geminiKey: HTTPFields = [HTTPField.Name("x-goog-api-key")!: "AIza-client", .contentType: "application/json"]

    static func sse(_ events: [(String?, String)], pauseFirst: Duration = .milliseconds(40)) -> FakeReply {
        // Nothing comes for a while after the head: the first token cannot come sooner.
        var steps: [FakeReply.Step] = [.pause(pauseFirst)]
        for (type, data) in events {
            steps.append(.chunk((type.map { "event: \($0)\n" } ?? "") + "data: \(data)\n\n"))
        }
        return .sse(steps)
    }

    static func tokens(_ input: Int?, _ output: Int?, _ cached: Int?, _ reasoning: Int?) -> JSONValue {
        func count(_ value: Int?) -> JSONValue { value.map(JSONValue.integer) ?? .null }
        return ["inputTokens": count(input), "outputTokens": count(output), "cachedInputTokens": count(cached), "reasoningTokens": count(reasoning)]
    }

    static let chatCompletion = #"{"id":"chatcmpl-1","object":"chat.completion","created":1760000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,"prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}"#

    static func chatChunk(_ delta: String, usage: String? = nil) -> (String?, String) {
        let choices = usage == nil ? #"[{"index":0,"delta":\#(delta),"finish_reason":null}]"# : "[]"
        return (nil, #"{"id":"chatcmpl-2","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":\#(choices),"usage":\#(usage ?? "null")}"#)
    }

    static let responsesReply = #"{"id":"resp_1","object":"response","created_at":1760000000,"status":"completed","model":"o4-mini-2025-04-16","output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}],"usage":{"input_tokens":5000,"input_tokens_details":{"cached_tokens":4096},"output_tokens":900,"output_tokens_details":{"reasoning_tokens":640},"total_tokens":5900}}"#

    static let responsesEvents: [(String?, String)] = [
        ("response.created", #"{"type":"response.created","sequence_number":0,"response":{"id":"resp_2","object":"response","status":"in_progress","model":"gpt-4.1","output":[],"usage":null}}"#),
        ("response.output_item.added", #"{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_2","type":"message","status":"in_progress","role":"assistant","content":[]}}"#),
        ("response.output_text.delta", #"{"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_2","output_index":0,"content_index":0,"delta":"Hi"}"#),
        ("response.completed", #"{"type":"response.completed","sequence_number":3,"response":{"id":"resp_2","object":"response","status":"completed","model":"gpt-4.1","output":[{"id":"msg_2","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}],"usage":{"input_tokens":300,"input_tokens_details":{"cached_tokens":0},"output_tokens":40,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":340}}}"#),
    ]

    static let anthropicReply = #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":1000,"cache_read_input_tokens":3000,"output_tokens":150}}"#

    static let anthropicEvents: [(String?, String)] = [
        ("message_start", #"{"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":500,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}"#),
        ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":80}}"#),
        ("message_stop", #"{"type":"message_stop"}"#),
    ]

    static let geminiReply = #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":61,"candidatesTokenCount":24,"totalTokenCount":140,"thoughtsTokenCount":55},"modelVersion":"gemini-2.5-flash"}"#

    static let geminiEvents: [(String?, String)] = [
        (nil, #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}],"modelVersion":"gemini-2.0-flash-001"}"#),
        (nil, #"{"candidates":[{"content":{"role":"model","parts":[{"text":" there"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1200,"cachedContentTokenCount":1024,"candidatesTokenCount":30,"totalTokenCount":1230},"modelVersion":"gemini-2.0-flash-001"}"#),
    ]

    static let anthropicBody = #"{"max_tokens":100,"messages":[{"role":"user","content":"Hello"}]}"#
    static let geminiBody = #"{"contents":[{"role":"user","parts":[{"text":"Hello"}]}]}"#

    /// The run. Costs are worked out by hand from the built-in prices (USD per million: input, cached input, output),
    /// in nanodollars: tokens × price × 1000.
    static let calls: [Call] = [
        // gpt-4o 2.50 / 1.25 / 10: 86 uncached, 1920 cached, 300 out.
        Call(name: "chat", path: "/v1/openai/chat/completions", headers: openAIKey, body: chatBody(model: "gpt-4o-2024-08-06"),
             reply: .json(chatCompletion), model: "gpt-4o-2024-08-06", usage: tokens(2006, 300, 1920, 0),
             nanos: 86 * 2500 + 1920 * 1250 + 300 * 10000, streamed: false),
        // gpt-4o-mini 0.15 / 0.075 / 0.60.
        Call(name: "chat stream", path: "/v1/openai/chat/completions", headers: openAIKey,
             body: chatBody(model: "gpt-4o-mini-2024-07-18", stream: true, extra: #""stream_options":{"include_usage":true}"#),
             reply: sse([
                chatChunk(#"{"role":"assistant","content":""}"#), chatChunk(#"{"content":"Hi"}"#), chatChunk(#"{}"#),
                chatChunk("", usage: #"{"prompt_tokens":1000,"completion_tokens":200,"total_tokens":1200,"prompt_tokens_details":{"cached_tokens":0}}"#),
                (nil, "[DONE]"),
             ]),
             model: "gpt-4o-mini-2024-07-18", usage: tokens(1000, 200, 0, nil), nanos: 1000 * 150 + 200 * 600, streamed: true),
        // o4-mini 1.10 / 0.275 / 4.40; reasoning is part of the output.
        Call(name: "responses", path: "/v1/openai/responses", headers: openAIKey, body: #"{"model":"o4-mini-2025-04-16","input":"Hello"}"#,
             reply: .json(responsesReply), model: "o4-mini-2025-04-16", usage: tokens(5000, 900, 4096, 640),
             nanos: 904 * 1100 + 4096 * 275 + 900 * 4400, streamed: false),
        // gpt-4.1 2.00 / 0.50 / 8.00.
        Call(name: "responses stream", path: "/v1/openai/responses", headers: openAIKey, body: #"{"model":"gpt-4.1","input":"Hello","stream":true}"#,
             reply: sse(responsesEvents), model: "gpt-4.1", usage: tokens(300, 40, 0, 0), nanos: 300 * 2000 + 40 * 8000, streamed: true),
        // claude-sonnet-4-5 3 / 0.30 / 15: cache reads cached, cache writes and the rest at the input price.
        Call(name: "messages", path: "/v1/anthropic/v1/messages", headers: anthropicKey,
             body: #"{"model":"claude-sonnet-4-5-20250929",\#(anthropicBody.dropFirst())"#, reply: .json(anthropicReply),
             model: "claude-sonnet-4-5-20250929", usage: tokens(4020, 150, 3000, nil), nanos: 1020 * 3000 + 3000 * 300 + 150 * 15000, streamed: false),
        // claude-3-5-haiku 0.80 / 0.08 / 4.
        Call(name: "messages stream", path: "/v1/anthropic/v1/messages", headers: anthropicKey,
             body: #"{"model":"claude-3-5-haiku-20241022","stream":true,\#(anthropicBody.dropFirst())"#, reply: sse(anthropicEvents),
             model: "claude-3-5-haiku-20241022", usage: tokens(500, 80, 0, nil), nanos: 500 * 800 + 80 * 4000, streamed: true),
        // gemini-2.5-flash 0.30 / 0.075 / 2.50: thinking is billed as output.
        Call(name: "generateContent", path: "/v1/gemini/v1beta/models/gemini-2.5-flash:generateContent", headers: geminiKey, body: geminiBody,
             reply: .json(geminiReply), model: "gemini-2.5-flash", usage: tokens(61, 79, nil, 55), nanos: 61 * 300 + 79 * 2500, streamed: false),
        // gemini-2.0-flash 0.10 / 0.025 / 0.40.
        Call(name: "streamGenerateContent", path: "/v1/gemini/v1beta/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse", headers: geminiKey,
             body: geminiBody, reply: sse(geminiEvents), model: "gemini-2.0-flash-001", usage: tokens(1200, 30, 1024, nil),
             nanos: 176 * 100 + 1024 * 25 + 30 * 400, streamed: true),
        // No price: tokens counted, cost null, the model listed as unpriced.
        Call(name: "unpriced", path: "/v1/openai/chat/completions", headers: openAIKey, body: chatBody(model: "acme-large"),
             reply: .json(#"{"id":"c","object":"chat.completion","created":1,"model":"acme-large","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}"#),
             model: "acme-large", usage: tokens(10, 5, nil, nil), nanos: nil, streamed: false),
    ]

    static func environment(_ fake: FakeUpstream) -> [String: String] {
        ["ARCHESTRA_ANTHROPIC_BASE_URL": fake.baseURL, "ARCHESTRA_GEMINI_BASE_URL": fake.baseURL]
    }

    /// Sends every call of the run as the agent `agent`; returns the agent's id.
    static func play(_ calls: [Call], agent: String, fake: FakeUpstream, live: LiveGateway) async throws -> String {
        for call in calls {
            fake.enqueue(call.reply)
            var headers = call.headers
            headers[.userAgent] = agent
            let response = try await live.send(.post, call.path, headers: headers, body: call.body)
            #expect(response.status == .ok, "\(call.name): \(response.status) \(response.bodyText)")
        }
        return try await live.agentId(named: agent)
    }

    @Test("A scripted run through every endpoint, streamed and not: the exact cost on each interaction and in /api/usage")
    func scriptedRun() async throws {
        try await FakeUpstream.with { fake in
            try await withGateway(upstream: fake, environment: Self.environment(fake)) { live in
                let agentId = try await Self.play(Self.calls, agent: "usage-run", fake: fake, live: live)
                let rows = try await live.waitForInteractions(count: Self.calls.count, agentId: agentId)
                #expect(rows.count == Self.calls.count)

                for call in Self.calls {
                    guard let row = rows.first(where: { $0["model"]?.stringValue == call.model }) else {
                        Issue.record("no interaction for \(call.name)")
                        continue
                    }
                    #expect(row["usage"] == call.usage, "\(call.name): \(String(describing: row["usage"]))")
                    let expectedCost: JSONValue = call.nanos.map { USDAmount(nanodollars: $0).json } ?? .null
                    #expect(row["costUsd"] == expectedCost, "\(call.name): \(String(describing: row["costUsd"]))")
                    #expect(row["dualLlmUsage"] == .null && row["dualLlmCostUsd"] == .null)
                    let firstToken = row["timeToFirstTokenMs"]?.doubleValue
                    if call.streamed {
                        // The provider paused 40 ms before the first token; the request took at least that long.
                        let milliseconds = try #require(firstToken, "\(call.name): no time to first token")
                        #expect(milliseconds >= 35, "\(call.name): \(milliseconds)")
                        #expect(milliseconds <= (row["durationMs"]?.doubleValue ?? 0), "\(call.name)")
                    } else {
                        #expect(row["timeToFirstTokenMs"] == .null, "\(call.name)")
                    }
                }

                let total = Self.calls.compactMap(\.nanos).reduce(0, +)
                let inputTokens = Self.calls.compactMap { $0.usage["inputTokens"]?.intValue }.reduce(0, +)
                let outputTokens = Self.calls.compactMap { $0.usage["outputTokens"]?.intValue }.reduce(0, +)
                let cached = Self.calls.compactMap { $0.usage["cachedInputTokens"]?.intValue }.reduce(0, +)
                let reasoning = Self.calls.compactMap { $0.usage["reasoningTokens"]?.intValue }.reduce(0, +)

                let byDay = try await live.getJSON("/api/usage?groupBy=day&agentId=\(agentId)")
                #expect(byDay["groupBy"] == "day" && byDay["agentId"] == .string(agentId))
                let day = try #require(byDay["groups"]?.arrayValue?.first)
                #expect(byDay["groups"]?.arrayValue?.count == 1)
                #expect(day["key"]?.stringValue == String(Timestamp.format(Date()).prefix(10)))
                for summary in [day, try #require(byDay["totals"])] {
                    #expect(summary["requests"] == .integer(Self.calls.count))
                    #expect(summary["refusals"] == 0 && summary["errors"] == 0)
                    #expect(summary["costUsd"] == USDAmount(nanodollars: total).json, "\(String(describing: summary["costUsd"]))")
                    #expect(summary["inputTokens"] == .integer(inputTokens) && summary["outputTokens"] == .integer(outputTokens))
                    #expect(summary["cachedInputTokens"] == .integer(cached) && summary["reasoningTokens"] == .integer(reasoning))
                    #expect(summary["unpricedCalls"] == 1)
                    #expect(summary["dualLlm"]?["costUsd"] == 0)
                }
                #expect(byDay["unpricedModels"] == [["model": "acme-large", "calls": 1]])

                let byModel = try await live.getJSON("/api/usage?groupBy=model")
                let groups = byModel["groups"]?.arrayValue ?? []
                #expect(groups.count == Self.calls.count)
                for call in Self.calls {
                    let group = groups.first { $0["key"]?.stringValue == call.model }
                    #expect(group?["costUsd"] == USDAmount(nanodollars: call.nanos ?? 0).json, "\(call.name)")
                    #expect(group?["requests"] == 1)
                }
                // Most spent first.
                #expect(groups.first?["key"] == "claude-sonnet-4-5-20250929")

                let byAgent = try await live.getJSON("/api/usage?groupBy=agent")
                #expect(byAgent["groups"]?.arrayValue?.map { $0["key"] } == [.string(agentId)])
                #expect(byAgent["groups"]?.arrayValue?.first?["agentName"] == "usage-run")
                let byHour = try await live.getJSON("/api/usage?groupBy=hour")
                let hours = byHour["groups"]?.arrayValue ?? []
                #expect(hours.allSatisfy { $0["key"]?.stringValue?.hasSuffix(":00:00.000Z") == true })
                #expect(hours.compactMap { $0["requests"]?.intValue }.reduce(0, +) == Self.calls.count)
                #expect(byHour["totals"]?["costUsd"] == USDAmount(nanodollars: total).json)

                let metrics = try await live.send(.get, "/metrics").bodyText
                #expect(metrics.contains("# TYPE llm_cost_total counter"))
                #expect(metrics.contains("# TYPE llm_time_to_first_token_seconds histogram"))
                let labels = #"agent_id="\#(agentId)",agent_name="usage-run""#
                #expect(metrics.contains(#"llm_cost_total{provider="openai",model="gpt-4o-2024-08-06",\#(labels)} 0.005615"#))
                #expect(metrics.contains(#"llm_tokens_total{provider="openai",model="gpt-4o-2024-08-06",\#(labels),type="cached_input"} 1920"#))
                #expect(metrics.contains(#"llm_tokens_total{provider="openai",model="gpt-4o-2024-08-06",\#(labels),type="input"} 2006"#))
                #expect(metrics.contains(#"llm_tokens_total{provider="gemini",model="gemini-2.5-flash",\#(labels),type="reasoning"} 55"#))
                // The headline counts stay the provider's own: Gemini's candidates, Anthropic's uncached input.
                #expect(metrics.contains(#"llm_tokens_total{provider="gemini",model="gemini-2.5-flash",\#(labels),type="output"} 24"#))
                #expect(metrics.contains(#"llm_tokens_total{provider="anthropic",model="claude-sonnet-4-5-20250929",\#(labels),type="input"} 20"#))
                for call in Self.calls where call.streamed {
                    let provider = call.path.contains("anthropic") ? "anthropic" : call.path.contains("gemini") ? "gemini" : "openai"
                    #expect(
                        metrics.contains(#"llm_time_to_first_token_seconds_count{provider="\#(provider)",model="\#(call.model)",\#(labels)} 1"#),
                        "\(call.name)"
                    )
                }
                #expect(!metrics.contains(#"llm_cost_total{provider="openai",model="acme-large""#))
            }
        }
    }

    @Test("An operator's price applies to the next request; deleting it brings the built-in price back")
    func priceOverride() async throws {
        try await FakeUpstream.with { fake in
            try await withGateway(upstream: fake, environment: Self.environment(fake)) { live in
                let created = try await live.sendJSON(.post, "/api/token-prices", #"{"model":"gpt-4o","inputPerMillion":1,"outputPerMillion":2}"#)
                #expect(created.status == .created, "\(created.bodyText)")
                let price = try created.json()
                #expect(price["builtIn"] == false)
                let agentId = try await Self.play([Self.calls[0]], agent: "override", fake: fake, live: live)
                // 2006 × 1000 (cached at the input price: no cached price given) + 300 × 2000.
                let first = try await live.onlyInteraction(agentId: agentId)
                #expect(first["costUsd"] == USDAmount(nanodollars: 2006 * 1000 + 300 * 2000).json)

                let id = try #require(price["id"]?.stringValue)
                #expect(try await live.send(.delete, "/api/token-prices/\(id)").status == .ok)
                _ = try await Self.play([Self.calls[0]], agent: "override", fake: fake, live: live)
                let rows = try await live.waitForInteractions(count: 2, agentId: agentId)
                #expect(rows.map { $0["costUsd"] }.contains(USDAmount(nanodollars: try #require(Self.calls[0].nanos)).json))

                // An unpriced model gets a price: the next call has a cost.
                #expect(try await live.sendJSON(.post, "/api/token-prices", #"{"model":"acme-large","inputPerMillion":3,"outputPerMillion":15}"#).status == .created)
                let acme = try await Self.play([Self.calls[8]], agent: "acme", fake: fake, live: live)
                #expect(try await live.onlyInteraction(agentId: acme)["costUsd"] == USDAmount(nanodollars: 10 * 3000 + 5 * 15000).json)
            }
        }
    }

    @Test("Dual LLM calls are attributed to the agent and shown apart: on the interaction, under their model, in the metrics")
    func dualLLM() async throws {
        try await withDualLLMGateway(environment: ["OPENAI_API_KEY": "sk-server-openai"]) { upstream, live in
            try await live.configureDualLLM(["enabled": true, "model": "gpt-4o-mini"])
            let body = ToolResultConversation.openAI([("call_inbox", "get_emails", ToolResultConversation.injectedEmail(tag: "beta"))])
            let headers: HTTPFields = [.userAgent: "mail-agent", .contentType: "application/json", .authorization: "Bearer sk-client-openai"]
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: body).status == .ok)
            let agentId = try await live.agentId(named: "mail-agent")
            let row = try await live.onlyInteraction(agentId: agentId)

            // Each scripted Dual LLM reply reports 3 prompt and 2 completion tokens; gpt-4o-mini costs 0.15 / 0.60.
            let calls = upstream.dualLLMCalls.count
            #expect(calls >= 3)
            #expect(row["dualLlmUsage"] == Self.tokens(3 * calls, 2 * calls, nil, nil))
            let dualNanos = Int64(calls) * (3 * 150 + 2 * 600)
            #expect(row["dualLlmCostUsd"] == USDAmount(nanodollars: dualNanos).json)
            #expect(row["dualLlmModel"] == "gpt-4o-mini")
            // The client's own call: 5 prompt and 2 completion tokens of gpt-4o.
            #expect(row["usage"] == Self.tokens(5, 2, nil, nil))
            #expect(row["costUsd"] == USDAmount(nanodollars: 5 * 2500 + 2 * 10000).json)

            let byModel = try await live.getJSON("/api/usage?groupBy=model")
            let mini = try #require(byModel["groups"]?.arrayValue?.first { $0["key"] == "gpt-4o-mini" })
            #expect(mini["requests"] == 0, "Dual LLM calls are not requests")
            #expect(mini["costUsd"] == USDAmount(nanodollars: dualNanos).json && mini["dualLlm"]?["costUsd"] == mini["costUsd"])
            #expect(mini["inputTokens"] == .integer(3 * calls) && mini["dualLlm"]?["inputTokens"] == .integer(3 * calls))
            let byAgent = try await live.getJSON("/api/usage?groupBy=agent&agentId=\(agentId)")
            let agent = try #require(byAgent["groups"]?.arrayValue?.first)
            #expect(agent["requests"] == 1)
            #expect(agent["costUsd"] == USDAmount(nanodollars: 32_500 + dualNanos).json)
            #expect(agent["dualLlm"]?["costUsd"] == USDAmount(nanodollars: dualNanos).json)

            let metrics = try await live.send(.get, "/metrics").bodyText
            let dualCost = Double(dualNanos) / 1e9
            let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"llm_cost_total{provider="openai",model="gpt-4o-mini",agent_id="\#(agentId)""#) }
            let value = try #require(line.flatMap { Double($0.split(separator: " ").last ?? "") })
            #expect(abs(value - dualCost) < 1e-12)
        }
    }

    @Test("A price set on one instance prices the next requests on another (two instances on one PostgreSQL)")
    func pricesAcrossInstances() async throws {
        guard let url = gatewayPostgresURL else {
            try #require(ProcessInfo.processInfo.environment["ARCHESTRA_REQUIRE_POSTGRES"] == nil, "ARCHESTRA_TEST_POSTGRES_URL is not set")
            return
        }
        // The database outlives the test: a model and an agent of its own, and the price removed at the end.
        let model = "cross-instance-\(UUID().uuidString.lowercased())"
        let agent = "prices-\(UUID().uuidString.lowercased())"
        try await FakeUpstream.with { fake in
            fake.setFallback(.json(#"{"id":"c","object":"chat.completion","created":1,"model":"x","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":100}}"#))
            try await withGateway(upstream: fake, environment: ["DATABASE_URL": url]) { first in
                try await withGateway(upstream: fake, environment: ["DATABASE_URL": url]) { second in
                    let created = try await first.sendJSON(
                        .post, "/api/token-prices", #"{"model":"\#(model)","inputPerMillion":4,"outputPerMillion":40}"#
                    )
                    #expect(created.status == .created)
                    let id = try #require(try created.json()["id"]?.stringValue)
                    var headers = Self.openAIKey
                    headers[.userAgent] = agent
                    // The price reaches the other instance through the database (a notification, or the periodic
                    // check), which on a busy machine can take seconds: the bound only ends a wait for a change that
                    // never comes.
                    let started = ContinuousClock.now
                    var cost: JSONValue = .null
                    var sent = 0
                    while ContinuousClock.now - started < .seconds(30) {
                        #expect(try await second.send(.post, "/v1/openai/chat/completions", headers: headers, body: chatBody(model: model)).status == .ok)
                        sent += 1
                        let rows = try await second.waitForInteractions(count: sent, agentId: try await second.agentId(named: agent))
                        cost = rows.first?["costUsd"] ?? .null
                        if cost != .null { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(cost == USDAmount(nanodollars: 1000 * 4000 + 100 * 40000).json, "the other instance never priced the model")
                    #expect(try await first.send(.delete, "/api/token-prices/\(id)").status == .ok)
                }
            }
        }
    }

    @Test("A provider error records no usage and no cost")
    func noUsage() async throws {
        try await FakeUpstream.with { fake in
            try await withGateway(upstream: fake) { live in
                fake.enqueue(.json(#"{"error":{"message":"slow down","type":"rate_limit_error"}}"#, status: 429))
                var headers = Self.openAIKey
                headers[.userAgent] = "errors"
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: chatBody()).status == .tooManyRequests)
                let row = try await live.onlyInteraction()
                for field in ["usage", "costUsd", "timeToFirstTokenMs", "dualLlmUsage", "dualLlmCostUsd", "dualLlmModel"] {
                    #expect(row[field] == .null, "\(field)")
                }
                let usage = try await live.getJSON("/api/usage")
                #expect(usage["totals"]?["requests"] == 1 && usage["totals"]?["errors"] == 1)
                #expect(usage["totals"]?["costUsd"] == 0 && usage["unpricedModels"] == [])
            }
        }
    }
}
