import ArchestraCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ArchestraServer

/// `GET /metrics` and request ids.
@Suite("Observability")
struct ObservabilityTests {
    static let tainted = try! String(contentsOfFile: tainedContextPath(), encoding: .utf8)

    static func tainedContextPath() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("bench/payloads/tainted-context.json").path
    }

    /// The sample lines of one family, e.g. `llm_tokens_total{…} 82`.
    static func samples(_ exposition: String, _ family: String) -> [String] {
        exposition.split(separator: "\n").map(String.init).filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }
    }

    /// The label names of a sample line, in order.
    static func labelNames(_ sample: String) -> [String] {
        guard let open = sample.firstIndex(of: "{"), let close = sample.lastIndex(of: "}") else { return [] }
        return sample[sample.index(after: open)..<close].split(separator: ",").map { String($0.prefix { $0 != "=" }) }
    }

    @Test("after traffic, every metric family is exposed with its labels, and routes are templates")
    func familiesAndLabels() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let agent = try await live.createAgent("metrics agent")
            let agentId = try #require(agent["id"]?.stringValue)
            #expect(try await live.sendJSON(.post, "/v1/openai/\(agentId)/chat/completions", Self.tainted).status == .ok)
            #expect(try await live.sendJSON(.post, "/v1/openai/chat/completions", Self.tainted).status == .ok)
            #expect(try await live.send(.get, "/no/such/route").status == .notFound)
            #expect(try await live.send(.get, "/api/agents/\(agentId)").status == .ok)
            _ = try await live.waitForInteractions(count: 2)

            let response = try await live.send(.get, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.bodyText
            let expected: [(family: String, type: String, labels: [String])] = [
                ("http_request_duration_seconds", "histogram", ["method", "route", "status_code"]),
                ("llm_request_duration_seconds", "histogram", ["provider", "model", "agent_id", "agent_name", "status_code"]),
                ("llm_tokens_total", "counter", ["provider", "model", "agent_id", "agent_name", "type"]),
                ("llm_blocked_tool_total", "counter", ["provider", "agent_id", "agent_name", "tool_name"]),
                ("tool_result_evaluations_total", "counter", ["provider", "agent_id", "agent_name", "tool_name", "verdict"]),
                ("archestra_gateway_overhead_seconds", "histogram", ["provider"]),
                ("archestra_policy_evaluation_seconds", "histogram", []),
            ]
            for family in expected {
                #expect(text.contains("# TYPE \(family.family) \(family.type)"), "missing # TYPE for \(family.family)")
                let lines = family.type == "histogram"
                    ? Self.samples(text, family.family + "_count") : Self.samples(text, family.family)
                #expect(!lines.isEmpty, "no samples for \(family.family)")
                for line in lines { #expect(Self.labelNames(line) == family.labels, "\(line)") }
            }
            #expect(text.contains(#"route="/v1/openai/:agentId/chat/completions""#))
            #expect(text.contains(#"route="/v1/openai/chat/completions""#))
            #expect(text.contains(#"route="/api/agents/:id""#))
            #expect(text.contains(#"route="unmatched""#))
            #expect(!Self.samples(text, "http_request_duration_seconds_count").contains { $0.contains("route=\"/v1/openai/\(agentId)") })
            #expect(text.contains(#"llm_blocked_tool_total{provider="openai",agent_id="\#(agentId)",agent_name="metrics agent",tool_name="list_files"} 1"#))
            #expect(text.contains(#"verdict="untrusted""#))
            #expect(text.contains(#"type="input"} 164"#) || text.contains(#"type="input"} 82"#))
        }
    }

    @Test("every response carries a request id; the client's own is kept and sent upstream")
    func requestIds() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.json(#"{"id":"c","object":"chat.completion","choices":[]}"#))
            fake.enqueue(.json(#"{"id":"c","object":"chat.completion","choices":[]}"#))
            let body = #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#
            let generated = try await live.sendJSON(.post, "/v1/openai/chat/completions", body)
            let generatedId = try #require(generated.headers[HTTPField.Name("x-request-id")!])
            #expect(!generatedId.isEmpty)
            let mine = try await live.sendJSON(.post, "/v1/openai/chat/completions", body, headers: [HTTPField.Name("x-request-id")!: "req-42"])
            #expect(mine.headers[HTTPField.Name("x-request-id")!] == "req-42")
            let upstreamIds = fake.requests.map { $0.header("x-request-id") }
            #expect(upstreamIds == [generatedId, "req-42"])
            #expect(try await live.send(.get, "/health").headers[HTTPField.Name("x-request-id")!] != nil)
        }
    }
}
