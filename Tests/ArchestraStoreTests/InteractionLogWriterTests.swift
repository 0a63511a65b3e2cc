import ArchestraCore
import ArchestraStore
import Foundation
import ServiceLifecycle
import Testing

@testable import ArchestraStoreSQLite

@Suite("Interaction log writer (SQLite)")
struct InteractionLogWriterTests {
    /// An in-memory store with one agent to hang interactions on.
    private func openStore() async throws -> (SQLiteStore, Agent) {
        let store = try await SQLiteStore.open(.memory, logger: quietLogger)
        try await store.migrate()
        let agent = makeAgent("Logger", at: at(0))
        try await store.insertAgent(agent)
        return (store, agent)
    }

    private func rows(_ count: Int, for agent: Agent) -> [Interaction] {
        (0..<count).map { makeInteraction(agentId: agent.id, at: at(Int64($0))) }
    }

    /// Every stored interaction id, read page by page.
    private func storedIDs(_ store: some Store) async throws -> [UUID] {
        var ids: [UUID] = []
        while true {
            let page = try await store.listInteractions(InteractionQuery(limit: 100, offset: ids.count, ascending: true))
            ids += page.rows.map(\.id)
            if page.rows.count < 100 { return ids }
        }
    }

    /// Runs the writer in a service group while `body` runs, then shuts the group down gracefully.
    private func withRunningWriter(_ writer: InteractionLogWriter, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [writer], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("Every record queued before flush() is stored when it returns")
    func flushStoresEverything() async throws {
        let (store, agent) = try await openStore()
        let observer = RecordingObserver()
        let writer = try InteractionLogWriter(
            store: store, configuration: .init(maxBatchSize: 40, flushInterval: .milliseconds(20), capacity: 1_000),
            logger: quietLogger, observer: observer
        )
        let queued = rows(230, for: agent)
        try await withRunningWriter(writer) {
            for row in queued { await writer.record(row) }
            await writer.flush()
            let stored = try await storedIDs(store)
            #expect(Set(stored) == Set(queued.map(\.id)))
            #expect(writer.depth == 0)
            #expect(observer.written == 230)
            #expect(observer.failed == 0)
        }
        #expect(try await store.interaction(id: queued[117].id)?.normalized == queued[117].normalized)
        try await store.shutdown()
    }

    @Test("A full queue makes record() wait for room instead of growing, and loses nothing")
    func backpressure() async throws {
        let (store, agent) = try await openStore()
        let observer = RecordingObserver()
        let writer = try InteractionLogWriter(
            store: store, configuration: .init(maxBatchSize: 1, flushInterval: .milliseconds(1), capacity: 2),
            logger: quietLogger, observer: observer
        )
        // Keep the database busy by holding the store's connection lock until the gate opens.
        let release = Gate()
        let held = Gate()
        let holder = Task {
            try await store.lock.withLock {
                held.open()
                await release.wait()
            }
        }
        defer { release.open() }
        await held.wait()

        let queued = rows(50, for: agent)
        let returned = Counter()
        try await withRunningWriter(writer) {
            let recorders = Task {
                await withTaskGroup(of: Void.self) { group in
                    for start in stride(from: 0, to: queued.count, by: 10) {
                        group.addTask {
                            for row in queued[start..<start + 10] {
                                await writer.record(row)
                                returned.increment()
                            }
                        }
                    }
                }
            }
            // The row the blocked writer took stays in the buffer until it is stored, so it and one queued row fill
            // the capacity of two: every other record() call must be waiting.
            let stalled = await eventually { returned.current == 2 && writer.depth == 2 }
            #expect(stalled, "record() returned \(returned.current) times with depth \(writer.depth)")
            try await Task.sleep(for: .milliseconds(100))
            #expect(returned.current == 2)
            #expect(writer.depth == 2)

            release.open()
            await recorders.value
            await writer.flush()
            #expect(returned.current == queued.count)
            #expect(Set(try await storedIDs(store)) == Set(queued.map(\.id)))
            #expect(observer.maxDepth <= 2)
        }
        try await holder.value
        try await store.shutdown()
    }

    @Test("Records queued before the service starts are stored before run() returns on graceful shutdown")
    func shutdownDrainsQueuedRecords() async throws {
        let (store, agent) = try await openStore()
        let writer = try InteractionLogWriter(
            store: store, configuration: .init(maxBatchSize: 100, flushInterval: .milliseconds(200), capacity: 1_000),
            logger: quietLogger
        )
        let queued = rows(250, for: agent)
        for row in queued { await writer.record(row) }
        #expect(writer.depth == 250)
        #expect(try await storedIDs(store).isEmpty)

        let group = ServiceGroup(services: [writer], logger: quietLogger)
        await group.triggerGracefulShutdown()
        try await group.run()

        #expect(writer.depth == 0)
        #expect(Set(try await storedIDs(store)) == Set(queued.map(\.id)))
        try await store.shutdown()
    }

    /// Passes inserts on to `store` once `gate` is open: nothing is stored before the test says so.
    private struct HeldSink: InteractionSink {
        let store: any InteractionSink
        let gate: Gate

        func insertInteractions(_ interactions: [Interaction]) async throws {
            await gate.wait()
            try await store.insertInteractions(interactions)
        }
    }

    @Test("Records queued while running are all stored before run() returns on graceful shutdown")
    func shutdownDrainsWhileRunning() async throws {
        let (store, agent) = try await openStore()
        // The writer's inserts wait until the shutdown has begun. A short flush interval alone let a slow run's
        // periodic writes store every record before the shutdown, which then had nothing left to drain; a long one
        // is no way out, as the writer sleeps out its interval even once the shutdown began.
        let opened = Gate()
        let writer = try InteractionLogWriter(
            store: HeldSink(store: store, gate: opened),
            configuration: .init(maxBatchSize: 64, flushInterval: .milliseconds(200), capacity: 1_000),
            logger: quietLogger
        )
        let queued = rows(300, for: agent)
        let group = ServiceGroup(services: [writer], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for row in queued { await writer.record(row) }
            // No flush(): only the shutdown drain can store what is still queued.
            // (Nothing here may throw before the gate opens: the writer would wait there, and the group with it.)
            let storedBeforeShutdown = try? await storedIDs(store)
            #expect(storedBeforeShutdown == [])
            await group.triggerGracefulShutdown()
            opened.open()
            try await tasks.waitForAll()
        }
        #expect(Set(try await storedIDs(store)) == Set(queued.map(\.id)))
        try await store.shutdown()
    }

    @Test("A row with an unknown agent does not keep the rest of its batch from being stored")
    func badRowDoesNotSinkItsBatch() async throws {
        let (store, agent) = try await openStore()
        let observer = RecordingObserver()
        let writer = try InteractionLogWriter(
            store: store, configuration: .init(maxBatchSize: 100, flushInterval: .milliseconds(10), capacity: 1_000),
            logger: quietLogger, observer: observer
        )
        let good = rows(6, for: agent)
        let orphan = makeInteraction(agentId: UUID(), at: at(3))
        // Queued before the writer runs, so that all seven form one batch.
        for row in good[..<3] + [orphan] + good[3...] { await writer.record(row) }
        try await withRunningWriter(writer) {
            await writer.flush()
            let stored = try await storedIDs(store)
            #expect(Set(stored) == Set(good.map(\.id)))
            let orphanRow = try await store.interaction(id: orphan.id)
            #expect(orphanRow == nil)
            #expect(observer.failed == 1)
        }
        try await store.shutdown()
    }

    @Test("Cancelling the task that runs an idle writer ends run()")
    func cancellationEndsIdleWriter() async throws {
        let (store, agent) = try await openStore()
        let writer = try InteractionLogWriter(
            store: store, configuration: .init(maxBatchSize: 10, flushInterval: .milliseconds(5), capacity: 100),
            logger: quietLogger
        )
        let running = Task { try await writer.run() }
        let queued = rows(3, for: agent)
        for row in queued { await writer.record(row) }
        await writer.flush()
        running.cancel()
        #expect(await finishes(running, within: .seconds(30)), "run() ignored the cancellation of its task")
        #expect(Set(try await storedIDs(store)) == Set(queued.map(\.id)))
        try await store.shutdown()
    }
}
