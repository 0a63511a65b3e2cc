import ArchestraCore
import ArchestraStore
import ArchestraStoreSQLite
import Foundation
import HummingbirdTesting
import Testing

/// Graceful shutdown drains the interaction log: a request that got a response has its record stored.
@Suite("Graceful shutdown", .timeLimit(.minutes(2)))
struct ShutdownTests {
    @Test("records still queued at shutdown are written before the store closes")
    func drainsOnShutdown() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("archestra-shutdown-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let requests = 12
        // A long flush interval and a big batch: the records are still queued when shutdown begins. The interval
        // counts from the first record; with one second, the twelve requests of a slow run could outlast it and the
        // periodic write would store them before the shutdown, which then had nothing to do. The writer sleeps out
        // the interval even once the shutdown began, so a longer one (an hour) would hang the shutdown: ten
        // seconds is far more than the requests take, and the test waits that long.
        try await withGateway(
            environment: ["DATABASE_URL": "sqlite://\(path)", "BENCHMARK_MOCK_MODE": "true"],
            logWriter: .init(maxBatchSize: 1000, flushInterval: .seconds(10), capacity: 1000)
        ) { live in
            for index in 0..<requests {
                let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: "shutdown-agent"], body: chatBody(model: "model-\(index)", stream: index % 3 == 0))
                #expect(response.status == .ok)
            }
        }

        let store = try await SQLiteStore.open(.file(path), logger: quietLogger)
        do {
            let page = try await store.listInteractions(InteractionQuery(limit: 100))
            #expect(page.total == requests)
            #expect(Set(page.rows.compactMap(\.model)) == Set((0..<requests).map { "model-\($0)" }))
            #expect(page.rows.allSatisfy { $0.statusCode == 200 })
            let agents = try await store.listAgents()
            #expect(agents.map(\.name) == ["shutdown-agent"])
        } catch {
            try? await store.shutdown()
            throw error
        }
        try await store.shutdown()
    }
}
