import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// What clients can make the gateway keep is bounded: agents made from `User-Agent`s, tools per agent, and the
/// distinct values of client-chosen metric labels.
@Suite("Bounded client state", .timeLimit(.minutes(1)))
struct ClientStateLimitTests {
    static func chat(_ live: LiveGateway, userAgent: String, model: String = "gpt-4o", extra: String = "") async throws -> LiveResponse {
        try await live.send(
            .post, "/v1/openai/chat/completions", headers: [.contentType: "application/json", .userAgent: userAgent],
            body: chatBody(model: model, extra: extra)
        )
    }

    static func metrics(_ live: LiveGateway) async throws -> String {
        let response = try await live.send(.get, "/metrics")
        #expect(response.status == .ok)
        return response.bodyText
    }

    @Test("Past ARCHESTRA_MAX_AUTO_AGENTS new User-Agents go to the overflow agent, counted; known ones keep theirs")
    func autoAgentLimit() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true", "ARCHESTRA_MAX_AUTO_AGENTS": "3"]) { live in
            for name in ["bot-a", "bot-b", "bot-c", "bot-d", "bot-e", "bot-d"] {
                #expect(try await Self.chat(live, userAgent: name).status == .ok)
            }
            let agents = try await live.getJSON("/api/agents").arrayValue ?? []
            let names = agents.compactMap { $0["name"]?.stringValue }
            #expect(Set(names) == ["bot-a", "bot-b", "bot-c", Agent.overflowName], "\(names)")
            #expect(names.count == 4)
            let overflowId = try #require(agents.first { $0["name"] == .string(Agent.overflowName) }?["id"])
            let botA = try #require(agents.first { $0["name"] == "bot-a" }?["id"])
            #expect(metricTotal(try await Self.metrics(live), "archestra_agent_limit_fallbacks_total") == 3)

            // An agent that exists is still found by its name after the limit is reached.
            #expect(try await Self.chat(live, userAgent: "bot-a", model: "gpt-4o-mini").status == .ok)
            let records = try await live.waitForInteractions(count: 7)
            let overflowRecords = records.filter { $0["agentId"] == overflowId }
            #expect(overflowRecords.count == 3, "bot-d, bot-e and bot-d again")
            #expect(records.first { $0["model"] == "gpt-4o-mini" }?["agentId"] == botA)
            #expect(metricTotal(try await Self.metrics(live), "archestra_agent_limit_fallbacks_total") == 3)
            #expect((try await live.getJSON("/api/agents").arrayValue ?? []).count == 4)
        }
    }

    @Test("A 64 KB User-Agent becomes an agent name of at most 128 characters without control characters")
    func hugeUserAgent() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let userAgents = [
                "Bot\u{85}/1.0 " + String(repeating: "x", count: 65_000),
                "z" + String(repeating: "\u{301}", count: 30_000),
                String(repeating: "🤖", count: 16_000),
            ]
            for userAgent in userAgents {
                #expect(try await Self.chat(live, userAgent: userAgent).status == .ok)
            }
            let names = (try await live.getJSON("/api/agents").arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            #expect(names.count == userAgents.count)
            for name in names {
                #expect(name.unicodeScalars.count <= 128, "\(name.unicodeScalars.count) scalars, \(name.utf8.count) bytes")
                #expect(!name.unicodeScalars.contains { $0.properties.generalCategory == .control })
            }
            // The version is dropped, so one agent's upgrades stay one agent.
            #expect(names.contains("Bot " + String(repeating: "x", count: 124)))
        }
    }

    @Test("Past ARCHESTRA_MAX_TOOLS_PER_AGENT a declared tool is not recorded, and counted")
    func toolsPerAgentLimit() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true", "ARCHESTRA_MAX_TOOLS_PER_AGENT": "2"]) { live in
            let tools = #""tools":[{"type":"function","function":{"name":"first"}},{"type":"function","function":{"name":"second"}},{"type":"function","function":{"name":"third"}}]"#
            #expect(try await Self.chat(live, userAgent: "tooler", extra: tools).status == .ok)
            let listed = try await live.getJSON("/api/tools").arrayValue ?? []
            #expect(Set(listed.compactMap { $0["name"]?.stringValue }) == ["first", "second"])
            #expect(metricTotal(try await Self.metrics(live), "archestra_tools_not_recorded_total") == 1)

            // Another agent has its own room.
            #expect(try await Self.chat(live, userAgent: "other", extra: tools).status == .ok)
            #expect((try await live.getJSON("/api/tools").arrayValue ?? []).count == 4)
            #expect(metricTotal(try await Self.metrics(live), "archestra_tools_not_recorded_total") == 2)
        }
    }

    @Test("Past ARCHESTRA_MAX_METRIC_LABEL_VALUES client-chosen label values become `other`; /metrics stops growing")
    func metricLabelBudget() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true", "ARCHESTRA_MAX_METRIC_LABEL_VALUES": "2"]) { live in
            for index in 0..<5 {
                #expect(try await Self.chat(live, userAgent: "agent-\(index)", model: "model-\(index)").status == .ok)
            }
            await live.gateway.log.flush()
            _ = try await Self.metrics(live)
            let early = try await Self.metrics(live)
            #expect(labelValues(early, family: "llm_request_duration_seconds_count", label: "model") == ["model-0", "model-1", "other"])
            let agentIds = labelValues(early, family: "llm_request_duration_seconds_count", label: "agent_id")
            #expect(agentIds.count == 3 && agentIds.contains("other"), "\(agentIds)")
            #expect(labelValues(early, family: "llm_request_duration_seconds_count", label: "agent_name").count == 3)

            for index in 5..<40 {
                #expect(try await Self.chat(live, userAgent: "agent-\(index)", model: "model-\(index)").status == .ok)
            }
            await live.gateway.log.flush()
            let late = try await Self.metrics(live)
            #expect(labelValues(late, family: "llm_request_duration_seconds_count", label: "model") == ["model-0", "model-1", "other"])
            #expect(!late.contains("model-39") && !late.contains("agent-39"))
            let lines = { (text: String) in text.split(separator: "\n").count }
            #expect(lines(late) == lines(early), "/metrics grew from \(lines(early)) to \(lines(late)) lines")
        }
    }
}
