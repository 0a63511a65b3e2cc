import ArchestraCore
import ArchestraStore
import Foundation
import ServiceLifecycle
import Synchronization
import Testing

/// The writer against a database that answers, only slowly: slower than the write timeout, so the first inserts
/// are given up on and tried again. The retries must not pile up behind each other (each one makes the next one
/// slower), and every record must be stored once.
///
/// Its database takes 150 ms per insert against a 50 ms timeout; on two cores busy with the full parallel run those
/// times stretch unpredictably, so it runs alone, after the suite (ARCHESTRA_LOAD_TESTS=1), like the outage tests.
@Suite(
    "Interaction log writer on a slow database", .timeLimit(.minutes(1)),
    .enabled(if: ProcessInfo.processInfo.environment["ARCHESTRA_LOAD_TESTS"] == "1", "timing-bound; run alone with ARCHESTRA_LOAD_TESTS=1")
)
struct InteractionLogWriterSlowDatabaseTests {
    /// A database that runs one insert at a time, each taking `latency` however many rows it has, and carries on
    /// with an insert whose caller stopped waiting (as a driver that ignores cancellation does).
    final class SlowDatabase: InteractionSink {
        private struct State {
            var tail: Task<Void, Never>?
            var waiting = 0
            var mostWaiting = 0
            var calls = 0
            var stored: [UUID] = []
        }

        private let latency: Duration
        private let state = Mutex(State())

        init(latency: Duration) { self.latency = latency }

        /// The most inserts that were queued or running at one time.
        var mostWaiting: Int { state.withLock { $0.mostWaiting } }
        var calls: Int { state.withLock { $0.calls } }
        var stored: [UUID] { state.withLock { $0.stored } }

        func insertInteractions(_ interactions: [Interaction]) async throws {
            let turn: Task<Void, Never> = state.withLock { state in
                state.calls += 1
                state.waiting += 1
                state.mostWaiting = max(state.mostWaiting, state.waiting)
                let previous = state.tail
                let turn = Task { [latency] in
                    await previous?.value
                    // The database's own time: what makes it slow, not a wait of the test's.
                    try? await Task.sleep(for: latency)
                }
                state.tail = turn
                return turn
            }
            await turn.value
            state.withLock { state in
                state.waiting -= 1
                // Rows already stored are skipped, as both engines do.
                let known = Set(state.stored)
                state.stored += interactions.map(\.id).filter { !known.contains($0) }
            }
        }
    }

    @Test("inserts slower than the write timeout: a few are given up on, then the writer waits long enough; all stored once")
    func slowButAlive() async throws {
        let database = SlowDatabase(latency: .milliseconds(150))
        let writer = try InteractionLogWriter(
            store: database,
            configuration: .init(
                maxBatchSize: 10, flushInterval: .milliseconds(1), capacity: 1_000, maxBackoff: .milliseconds(20),
                writeTimeout: .milliseconds(50)
            ),
            logger: quietLogger
        )
        let agentId = UUID()
        let rows = (0..<100).map { makeInteraction(agentId: agentId, at: at(Int64($0))) }
        let group = ServiceGroup(services: [writer], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for row in rows { await writer.record(row) }
            await writer.flush()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(database.stored.sorted { $0.uuidString < $1.uuidString } == rows.map(\.id).sorted { $0.uuidString < $1.uuidString })
        #expect(writer.depth == 0)
        // Ten batches. Retrying every 70 ms against 150 ms inserts without learning queued hundreds of them and
        // never caught up; with it, a handful at most.
        #expect(database.mostWaiting <= 4, "\(database.mostWaiting) inserts queued at once")
        #expect(database.calls <= 20, "\(database.calls) inserts for 10 batches")
    }
}
