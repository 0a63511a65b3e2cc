import ArchestraCore
import ArchestraStore
import ArchestraStorePostgres
import Foundation
import Testing

@testable import ArchestraServer

/// Two instances' limit guards on one database: what one counted reaches the other at their next exchanges, and
/// between exchanges each enforces with what it knows. The clock is fixed, so windows never roll over mid-test.
@Suite("Usage limits shared by instances", .timeLimit(.minutes(2)))
struct LimitSharingTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30T00:53:20Z

    static var databases: [String] {
        ["sqlite"] + (gatewayPostgresURL == nil ? [] : ["postgres"])
    }

    static func database(_ name: String) throws -> AppConfig.Database {
        guard name == "postgres", let url = gatewayPostgresURL else { return .sqliteMemory }
        return .postgres(try PostgresStoreConfiguration(url: url, maximumConnections: 4))
    }

    @Test("A limit reached on one instance holds on the other after one exchange each; the overshoot is what the other admitted in between",
          arguments: databases)
    func sharedLimit(database: String) async throws {
        // As long as a gateway's start may take: early in a parallel run, dozens of gateways open their PostgreSQL
        // connections at once and the first answer can take well over the command line's 20 s.
        try await withMigratedStore(try Self.database(database), logger: quietLogger, migrationTimeout: .seconds(120)) { store in
            // The database may be shared with other tests: an agent of this test's own, deleted at the end (its
            // counters are pruned with their window).
            let agent = Agent(id: UUID(), name: "shared-limit-\(UUID().uuidString.prefix(8))", isDemo: false, createdAt: Self.now, updatedAt: Self.now)
            try await store.insertAgent(agent)
            try await store.saveLimit(UsageLimit(
                id: UUID(), agentId: agent.id, kind: .requestsPerMinute, value: 10, createdAt: Self.now, updatedAt: Self.now
            ))
            let first = LimitGuard(store: store, logger: quietLogger)
            let second = LimitGuard(store: store, logger: quietLogger)
            try await first.reload()
            try await second.reload()

            for _ in 0..<6 { #expect(first.admit(agentId: agent.id, at: Self.now) == nil) }
            // Before any exchange the second instance knows nothing of the first's six: it admits up to its own ten.
            var overshoot = 0
            // Bounded just past the expected count: a guard that never refuses fails the test instead of spinning
            // on forever (a synchronous loop the time limit cannot stop, starving the rest of the run).
            while overshoot <= 10, second.admit(agentId: agent.id, at: Self.now) == nil { overshoot += 1 }
            #expect(overshoot == 10)

            // One exchange each: both now know all sixteen and refuse.
            try await first.sync(at: Self.now)
            try await second.sync(at: Self.now)
            try await first.sync(at: Self.now)
            let refusal = try #require(first.admit(agentId: agent.id, at: Self.now))
            #expect(refusal.retryAfterSeconds == 40)
            #expect(second.admit(agentId: agent.id, at: Self.now) != nil)
            #expect(try await store.currentLimitCounters(at: Int64(Self.now.timeIntervalSince1970))[
                LimitCounterKey(scope: .agent(agent.id), kind: .requestsPerMinute, windowStart: 1_795_999_980)
            ] == 16)

            // A minute later the window is fresh on both.
            let later = Self.now.addingTimeInterval(60)
            try await first.sync(at: later)
            #expect(first.admit(agentId: agent.id, at: later) == nil)
            _ = try await store.deleteAgent(id: agent.id)
        }
    }

    @Test("What an instance counted since its last exchange reaches the shared counters when it shuts down")
    func lastExchangeAtShutdown() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // No exchange during the run: only the one at shutdown can store the counts.
        let environment = ["DATABASE_URL": "sqlite://\(path)", "BENCHMARK_MOCK_MODE": "true", "ARCHESTRA_LIMIT_SYNC_INTERVAL_MS": "60000"]
        // The exchange at shutdown usually gets a few seconds; a machine busy with the other suites may need longer,
        // and an exchange cut short stores nothing.
        let dependencies = GatewayDependencies.system.with(lastLimitExchangePatience: .seconds(60))
        try await withGateway(environment: environment, dependencies: dependencies) { live in
            for _ in 0..<3 {
                let status = try await live.sendJSON(.post, "/v1/openai/chat/completions", chatBody()).status
                #expect(status == .ok)
            }
        }
        let counted = try await withMigratedStore(.sqliteFile(path), logger: quietLogger) { store in
            try await store.currentLimitCounters(at: Int64(Date().timeIntervalSince1970))
        }
        let day = LimitKind.tokensPerDay.window(at: Int64(Date().timeIntervalSince1970)).start
        // The mock's reply reports 99 tokens.
        let stored = counted[LimitCounterKey(scope: .global, kind: .tokensPerDay, windowStart: day)] ?? 0
        #expect(stored == Int64(3 * 99))
    }
}
