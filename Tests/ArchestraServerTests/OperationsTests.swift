import ArchestraCore
import ArchestraStore
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import ArchestraServer
@testable import ArchestraStoreSQLite

/// Readiness, draining and the database going away, seen from outside. The outage is the in-memory SQLite
/// store's connection lock held by the test: every query waits on it, as on a database that stopped answering.
///
/// Its write timeouts are 100 ms, so it runs alone, after the suite (ARCHESTRA_LOAD_TESTS=1): in the full parallel
/// run on two cores an insert can take longer, which these tests would rightly read as an outage.
@Suite(
    "Operations: readiness, draining, outages", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: ProcessInfo.processInfo.environment["ARCHESTRA_LOAD_TESTS"] == "1", "timing-bound; run alone with ARCHESTRA_LOAD_TESTS=1")
)
struct OperationsTests {
    /// Quick to call an outage, quick to retry once it ends.
    static func writer(
        capacity: Int = 1_000, overflow: InteractionLogWriter.Configuration.Overflow = .reject, flushInterval: Duration = .milliseconds(5)
    ) -> InteractionLogWriter.Configuration {
        .init(
            maxBatchSize: 50, flushInterval: flushInterval, capacity: capacity, overflow: overflow,
            shutdownPatience: .seconds(5), maxBackoff: .milliseconds(50), writeTimeout: .milliseconds(100)
        )
    }

    static let mock = ["BENCHMARK_MOCK_MODE": "true"]

    static func chat(_ live: LiveGateway, agent: String) async throws -> LiveResponse {
        try await live.sendJSON(.post, "/v1/openai/chat/completions", chatBody(), headers: [.userAgent: agent])
    }

    /// Holds the gateway's database until `release` opens.
    static func holdDatabase(_ live: LiveGateway, until release: ScenarioReleaseGate) async throws -> Task<Void, any Error> {
        let store = try #require(live.gateway.store as? SQLiteStore)
        let held = ScenarioReleaseGate()
        let holder = Task {
            try await store.lock.withLock {
                held.release()
                await release.wait()
            }
        }
        await held.wait()
        return holder
    }

    /// Polls `/ready` until it answers `status`; returns its last body.
    static func ready(_ live: LiveGateway, becomes status: HTTPResponse.Status) async throws -> String {
        var last = ""
        for _ in 0..<1_000 {
            let response = try await live.send(.get, "/ready")
            last = response.bodyText
            if response.status == status { return last }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("/ready never answered \(status); last: \(last)")
        return last
    }

    @Test("/ready is 200 once serving; after beginDraining it is 503 while requests are still answered")
    func draining() async throws {
        try await withGateway(environment: Self.mock) { live in
            _ = try await Self.ready(live, becomes: .ok)
            live.gateway.beginDraining()
            let body = try await Self.ready(live, becomes: .serviceUnavailable)
            #expect(body.contains("shutting down"))
            #expect(try await Self.chat(live, agent: "drained").status == .ok)
            #expect(try await live.send(.get, "/health").status == .ok)
        }
    }

    @Test("Database away: known agents are served, a new agent and the admin API get 503, /ready says why; all is stored after")
    func outage() async throws {
        try await withGateway(environment: Self.mock, logWriter: Self.writer()) { live in
            #expect(try await Self.chat(live, agent: "known").status == .ok)
            _ = try await live.waitForInteractions(count: 1)
            let release = ScenarioReleaseGate()
            let holder = try await Self.holdDatabase(live, until: release)
            // The first record the writer cannot store tells the gateway the database is away.
            #expect(try await Self.chat(live, agent: "known").status == .ok)
            let reason = try await Self.ready(live, becomes: .serviceUnavailable)
            #expect(reason.contains("database unreachable"))

            let admin = try await live.send(.get, "/api/agents")
            #expect(admin.status == .serviceUnavailable)
            #expect(try admin.json()["error"]?["type"] == "unavailable")

            let newcomer = try await Self.chat(live, agent: "newcomer")
            #expect(newcomer.status == .serviceUnavailable)
            #expect(newcomer.headers[.retryAfter] != nil)
            #expect(try newcomer.json()["error"]?["message"]?.stringValue != nil, "OpenAI's error shape")

            for _ in 0..<5 { #expect(try await Self.chat(live, agent: "known").status == .ok) }

            release.release()
            try await holder.value
            _ = try await Self.ready(live, becomes: .ok)
            let stored = try await live.waitForInteractions(count: 7)
            #expect(stored.count == 7)
            #expect(try await Self.chat(live, agent: "newcomer").status == .ok)
        }
    }

    @Test("After an admin change the caches reload; if the database stops answering then, known agents are served from before")
    func outageAfterAdminChange() async throws {
        try await withGateway(environment: Self.mock, logWriter: Self.writer()) { live in
            let agent = try await live.createAgent("changed")
            let id = try #require(agent["id"]?.stringValue)
            #expect(try await Self.chat(live, agent: "known").status == .ok)
            let scoped = { try await live.sendJSON(.post, "/v1/openai/\(id)/chat/completions", chatBody()) }
            #expect(try await scoped().status == .ok)
            // Any admin write drops the in-memory agents, policies, keys and settings.
            let renamed = try await live.sendJSON(.put, "/api/agents/\(id)", #"{"name":"changed again"}"#)
            #expect(renamed.status == .ok)
            let release = ScenarioReleaseGate()
            let holder = try await Self.holdDatabase(live, until: release)
            // The first requests wait for the database at most a few seconds, then go on with what was known.
            #expect(try await Self.chat(live, agent: "known").status == .ok)
            #expect(try await scoped().status == .ok)
            _ = try await Self.ready(live, becomes: .serviceUnavailable)
            #expect(try await Self.chat(live, agent: "known").status == .ok)
            release.release()
            try await holder.value
            _ = try await Self.ready(live, becomes: .ok)
            #expect(try await live.waitForInteractions(count: 5).count == 5)
        }
    }

    @Test("A key revoked just before the database stops answering is refused: after a change the keys are read again at once")
    func revokedKeyThenOutage() async throws {
        try await withGateway(environment: Self.mock, logWriter: Self.writer()) { live in
            let (_, secret, keyId) = try await VirtualKeyTests.issue(live)
            let call = { try await live.sendJSON(.post, "/v1/openai/chat/completions", chatBody(), headers: [.authorization: "Bearer \(secret)"]) }
            #expect(try await call().status == .ok)
            #expect(try await live.send(.delete, "/api/keys/\(keyId)").status == .ok)
            // The reload the change set off, awaited as a state (no request has asked for the keys since); without
            // it the wait ends after 10 s and the request below is let in.
            for _ in 0..<10_000 where !live.gateway.keys.isCurrent { try await Task.sleep(for: .milliseconds(1)) }
            let release = ScenarioReleaseGate()
            let holder = try await Self.holdDatabase(live, until: release)
            // Read lazily, the keys from before the revocation would have answered here, and let the key in.
            let refused = try await call()
            #expect(refused.status == .unauthorized, "\(refused.bodyText)")
            #expect(refused.bodyText.contains("revoked"), "\(refused.bodyText)")
            release.release()
            try await holder.value
        }
    }

    @Test("With overflow=reject a full buffer answers new requests 503 with Retry-After, counted; room again serves them")
    func rejectWhenFull() async throws {
        try await withGateway(environment: Self.mock, logWriter: Self.writer(capacity: 3)) { live in
            #expect(try await Self.chat(live, agent: "busy").status == .ok)
            _ = try await live.waitForInteractions(count: 1)
            let release = ScenarioReleaseGate()
            let holder = try await Self.holdDatabase(live, until: release)
            var statuses: [HTTPResponse.Status] = []
            var refused: LiveResponse?
            for _ in 0..<6 {
                let response = try await Self.chat(live, agent: "busy")
                statuses.append(response.status)
                if response.status == .serviceUnavailable, refused == nil { refused = response }
            }
            #expect(statuses.prefix(3).allSatisfy { $0 == .ok }, "\(statuses)")
            #expect(statuses.dropFirst(3).allSatisfy { $0 == .serviceUnavailable }, "\(statuses)")
            let response = try #require(refused)
            #expect(response.headers[.retryAfter] != nil)
            #expect(try response.json()["error"]?["message"]?.stringValue?.contains("buffer is full") == true)
            let metrics = try await live.send(.get, "/metrics").bodyText
            #expect(metrics.contains(#"archestra_requests_refused_total{reason="log_buffer_full"} 3"#))

            release.release()
            try await holder.value
            await live.gateway.log.flush()
            #expect(try await Self.chat(live, agent: "busy").status == .ok)
            #expect(try await live.waitForInteractions(count: 5).count == 5)
        }
    }

    @Test("ARCHESTRA_LOG_DURABILITY=sync: an answered request is already stored; with the database away requests get 503")
    func syncDurability() async throws {
        var environment = Self.mock
        environment["ARCHESTRA_LOG_DURABILITY"] = "sync"
        environment["ARCHESTRA_LOG_SYNC_TIMEOUT_MS"] = "3000"
        // A flush interval no test waits for: in batch mode nothing would be stored yet.
        try await withGateway(environment: environment, logWriter: Self.writer(flushInterval: .seconds(60))) { live in
            for round in 1...3 {
                #expect(try await Self.chat(live, agent: "careful").status == .ok)
                // No flush: the answer came after the commit.
                #expect(try await live.getJSON("/api/interactions?limit=10")["data"]?.arrayValue?.count == round)
            }

            let release = ScenarioReleaseGate()
            let holder = try await Self.holdDatabase(live, until: release)
            let waited = try await Self.chat(live, agent: "careful")
            #expect(waited.status == .serviceUnavailable, "its record could not be stored in time")
            _ = try await Self.ready(live, becomes: .serviceUnavailable)
            let refused = try await Self.chat(live, agent: "careful")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] != nil)
            release.release()
            try await holder.value
            _ = try await Self.ready(live, becomes: .ok)
        }
    }
}
