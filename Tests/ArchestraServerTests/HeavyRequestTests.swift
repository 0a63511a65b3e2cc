import ArchestraCore
import ArchestraStore
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// Huge requests cannot starve the gateway: while two worst-case requests at the body limit are parsed, judged and
/// recorded, `/health` keeps answering promptly.
///
/// A latency bound means something only when nothing else competes for the two cores: alongside the other suites
/// (which run in parallel in the same process) the heavy requests also slow down their timed tests. So it runs
/// when asked for, alone: `ARCHESTRA_LOAD_TESTS=1 swift test --filter HeavyRequestTests`.
@Suite(
    "Heavy requests", .timeLimit(.minutes(3)), .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["ARCHESTRA_LOAD_TESTS"] == "1", "a latency bound; run alone with ARCHESTRA_LOAD_TESTS=1")
)
struct HeavyRequestTests {
    static let bodyLimit = 10_485_760

    /// A chat body just under the body limit made of assistant tool calls each answered by a tool result.
    static func toolResultBody() -> String {
        var parts: [String] = []
        var size = 64
        var index = 0
        while true {
            let pair = #"{"role":"assistant","tool_calls":[{"id":"call_\#(index)","type":"function","function":{"name":"get_\#(index % 50)","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_\#(index)","content":"{\"emails\":[{\"from\":\"a@b.c\",\"body\":\"hello\"}]}"}"#
            guard size + pair.utf8.count + 1 < bodyLimit - 64 else { break }
            parts.append(pair)
            size += pair.utf8.count + 1
            index += 1
        }
        return #"{"model":"gpt-4o","messages":[\#(parts.joined(separator: ","))]}"#
    }

    /// A chat body just under the body limit made of short user messages.
    static func messagesBody() -> String {
        let message = #"{"role":"user","content":"just one more thing"}"#
        let count = (bodyLimit - 64) / (message.utf8.count + 1)
        return #"{"model":"gpt-4o","messages":[\#(Array(repeating: message, count: count).joined(separator: ","))]}"#
    }

    @Test("With two ~10 MB requests in flight, /health answers the typical poll within 100 ms and every poll within 500 ms")
    func healthStaysResponsive() async throws {
        let bodies = [Self.toolResultBody(), Self.messagesBody()]
        for body in bodies { #expect(body.utf8.count <= Self.bodyLimit && body.utf8.count > Self.bodyLimit - 100_000) }
        let environment = [
            "BENCHMARK_MOCK_MODE": "true", "ARCHESTRA_MAX_BODY_BYTES": String(Self.bodyLimit),
            "ARCHESTRA_MAX_MESSAGES": "1000000", "ARCHESTRA_MAX_TOOL_RESULTS": "1000000",
        ]
        try await withGateway(environment: environment) { live in
            #expect(try await live.send(.get, "/health").status == .ok)
            let clock = ContinuousClock()
            let started = clock.now
            try await withHTTPClient { client in
                let finished = FinishedCount()
                let heavy = bodies.map { body in
                    Task { () throws -> (status: Int, elapsed: Duration) in
                        defer { finished.increment() }
                        let begin = clock.now
                        var request = HTTPClientRequest(url: "\(live.baseURL)/v1/openai/chat/completions")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: body))
                        let response = try await client.execute(request, timeout: .seconds(120))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        return (Int(response.status.code), clock.now - begin)
                    }
                }
                // Poll back to back for as long as either heavy request is in flight.
                var latencies: [Duration] = []
                while finished.value < heavy.count {
                    let begin = clock.now
                    let health = try await live.send(.get, "/health")
                    latencies.append(clock.now - begin)
                    #expect(health.status == .ok)
                }
                var results: [(status: Int, elapsed: Duration)] = []
                for task in heavy { results.append(try await task.value) }
                let worst = latencies.max() ?? .zero
                let median = latencies.isEmpty ? .zero : latencies.sorted()[latencies.count / 2]
                let summary = "polls \(latencies.count), median \(median), worst \(worst), heavy requests took \(results.map(\.elapsed)), total \(clock.now - started)"
                #expect(results.map(\.status) == [200, 200], "\(summary)")
                #expect(latencies.count >= 3, "the heavy requests finished before /health could be polled: \(summary)")
                // A starved pool shows as polls that wait for a whole request (seconds: 21.5 s before the heavy
                // work left the pool). One poll may still meet a few hundred milliseconds of this unoptimised build's
                // synchronous steps on a busy machine, so the typical poll is held to 100 ms and the worst to 500.
                #expect(median < .milliseconds(100), "/health was slow while heavy requests ran: \(summary)")
                #expect(worst < .milliseconds(500), "/health stalled while heavy requests ran: \(summary)")
            }
            await live.gateway.log.flush()
            #expect(try await live.gateway.store.listInteractions(InteractionQuery(limit: 1)).total == 2)
        }
    }
}

/// Counts finished tasks across tasks.
final class FinishedCount: Sendable {
    private let count = Mutex(0)

    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
