import ArchestraCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Stores interaction records in batches off the request path, and loses none while the database is away.
///
/// Requests hand their record over and go on; one loop writes up to `maxBatchSize` rows at a time, at most
/// `flushInterval` after the first one arrived, in the order they came. When the database cannot take a batch the
/// loop keeps it and tries again with backoff for as long as it takes. Meanwhile records wait in memory (up to
/// `capacity` records and `capacityBytes` of JSON) and then in the spill file, an append-only file on local disk;
/// once records go there, later ones follow them, so the order holds. Beyond both bounds `overflow` decides:
/// refuse new requests (`reject`, checked by the proxy before it calls a provider), drop the oldest records and
/// count them (`drop`), or make requests wait (`wait`). On graceful shutdown the loop writes what is waiting; if
/// the database is still away after `shutdownPatience`, what is in memory goes to the spill file, which the next
/// start writes first.
public final class InteractionLogWriter: Service, Sendable {
    public struct Configuration: Sendable {
        public enum Overflow: Sendable { case reject, drop, wait }

        public var maxBatchSize: Int
        public var flushInterval: Duration
        public var capacity: Int
        public var capacityBytes: Int
        public var spillDirectory: String?
        public var spillBytes: Int
        public var overflow: Overflow
        public var shutdownPatience: Duration
        public var maxBackoff: Duration
        /// A batch the database has not taken within this long counts as not taken (it is tried again).
        public var writeTimeout: Duration

        public init(
            maxBatchSize: Int = 500, flushInterval: Duration = .milliseconds(50), capacity: Int = 20_000,
            capacityBytes: Int = 256 << 20, spillDirectory: String? = nil, spillBytes: Int = 1 << 30, overflow: Overflow = .wait,
            shutdownPatience: Duration = .seconds(10), maxBackoff: Duration = .seconds(2), writeTimeout: Duration = .seconds(10)
        ) {
            self.writeTimeout = writeTimeout
            self.maxBatchSize = maxBatchSize
            self.flushInterval = flushInterval
            self.capacity = capacity
            self.capacityBytes = capacityBytes
            self.spillDirectory = spillDirectory
            self.spillBytes = spillBytes
            self.overflow = overflow
            self.shutdownPatience = shutdownPatience
            self.maxBackoff = maxBackoff
        }
    }

    private struct Pending {
        var interaction: Interaction
        var bytes: Int
    }

    private struct State {
        var memory: [Pending] = []
        var head = 0
        var memoryBytes = 0
        var spill: SpillFile?
        /// Unread spill records written by an earlier run: stored first, but not part of this run's sequence.
        var inherited = 0
        var runnerWakeup: CheckedContinuation<Void, Never>?
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var flushWaiters: [(id: UInt64, target: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiterId: UInt64 = 0
        /// Records handed over (this run), and records written or given up, in the same order.
        var enqueued: UInt64 = 0
        var settled: UInt64 = 0
        var shuttingDown = false
        /// Records at the head of memory that the loop is writing now: they stay until stored, and are never dropped.
        var writing = 0

        var memoryCount: Int { memory.count - head }
        var spilled: Int { spill?.unread ?? 0 }
        var backlog: Int { memoryCount + spilled }
    }

    private let store: any InteractionSink
    private let configuration: Configuration
    private let logger: Logger
    private let observer: (any InteractionLogObserver)?
    private let health: StoreHealth?
    private let state: Mutex<State>
    private let patience: Mutex<InsertPatience>

    /// Opens the spill file when one is configured (what an earlier run left there is written first).
    public init(
        store: any InteractionSink, configuration: Configuration = .init(), logger: Logger, observer: (any InteractionLogObserver)? = nil,
        health: StoreHealth? = nil
    ) throws {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.health = health
        var initial = State()
        if let directory = configuration.spillDirectory {
            let spill = try SpillFile(directory: directory, limit: configuration.spillBytes)
            initial.spill = spill
            initial.inherited = spill.unread
            if spill.unread > 0 {
                logger.notice("interaction records from an earlier run wait in the spill file; they are written first", metadata: [
                    "records": "\(spill.unread)", "file": "\(spill.path)",
                ])
            }
        }
        state = Mutex(initial)
        patience = Mutex(InsertPatience(base: configuration.writeTimeout))
        observer?.bufferChanged(memory: 0, spilled: initial.spilled)
    }

    /// Queues a record and returns its sequence number (for `waitUntilStored`); returns at once unless the buffer
    /// is full and the overflow choice is `wait`.
    @discardableResult
    public func record(_ interaction: Interaction) async -> UInt64 {
        let bytes = interaction.requestJSON.utf8.count + interaction.responseJSON.utf8.count + interaction.evaluationJSON.utf8.count + 512
        while true {
            let outcome = state.withLock { state in accept(Pending(interaction: interaction, bytes: bytes), into: &state) }
            switch outcome {
            case .queued(let sequence, let wakeup):
                wakeup?.resume()
                return sequence
            case .full:
                await withCheckedContinuation { continuation in
                    let resumeNow: Bool = state.withLock { state in
                        if hasRoom(state, bytes: bytes) { return true }
                        state.spaceWaiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    private enum Acceptance {
        case queued(UInt64, wakeup: CheckedContinuation<Void, Never>?)
        case full
    }

    private func accept(_ pending: Pending, into state: inout State) -> Acceptance {
        let memoryHasRoom = state.memoryCount < configuration.capacity && state.memoryBytes + pending.bytes <= configuration.capacityBytes
        if state.spilled == 0, memoryHasRoom {
            append(pending, to: &state)
        } else if let spill = state.spill, spill.hasRoom(for: pending.bytes), (try? spill.append([InteractionRecordCodec.encode(pending.interaction)])) != nil {
            // Once records wait on disk, later ones follow them there, so they are stored in the order they came.
            observer?.bufferChanged(memory: state.memoryCount, spilled: state.spilled)
        } else {
            switch configuration.overflow {
            case .wait:
                return .full
            case .drop:
                if state.memoryCount > state.writing {
                    dropOldest(&state)
                    append(pending, to: &state)
                } else {
                    // Nothing in memory to make room with (all of it is being written, or the spill file is full):
                    // this record is the one dropped.
                    state.enqueued += 1
                    state.settled += 1
                    observer?.recordsDropped(1)
                    return .queued(state.enqueued, wakeup: nil)
                }
            case .reject:
                // The proxy refuses new requests while the buffer is full; the few already past that check are
                // kept beyond the bound rather than lost.
                append(pending, to: &state)
            }
        }
        state.enqueued += 1
        let wakeup = state.runnerWakeup
        state.runnerWakeup = nil
        return .queued(state.enqueued, wakeup: wakeup)
    }

    private func append(_ pending: Pending, to state: inout State) {
        state.memory.append(pending)
        state.memoryBytes += pending.bytes
        observer?.bufferChanged(memory: state.memoryCount, spilled: state.spilled)
    }

    /// Drops the oldest record the loop is not writing (records being written are stored, or kept, as a batch).
    private func dropOldest(_ state: inout State) {
        let index = state.head + state.writing
        let oldest = state.memory[index]
        state.memoryBytes -= oldest.bytes
        if index == state.head {
            state.head += 1
            compact(&state)
        } else {
            state.memory.remove(at: index)
        }
        // Dropped records count as settled: whoever waits for them must not wait forever.
        settleLocked(1, &state)
        observer?.recordsDropped(1)
        logger.warning("interaction buffer full: the oldest record was dropped (ARCHESTRA_ON_LOG_OVERFLOW=drop)", metadata: ["id": "\(oldest.interaction.id)"])
    }

    private func hasRoom(_ state: State, bytes: Int) -> Bool {
        if state.spilled == 0, state.memoryCount < configuration.capacity, state.memoryBytes + bytes <= configuration.capacityBytes { return true }
        return state.spill?.hasRoom(for: bytes) ?? false
    }

    /// True while the buffer (memory and spill file) is full: with `reject`, new pipeline requests are refused.
    public var isFull: Bool {
        state.withLock { state in
            let memoryFull = state.memoryCount >= configuration.capacity || state.memoryBytes >= configuration.capacityBytes
            guard memoryFull || state.spilled > 0 else { return false }
            guard let spill = state.spill else { return memoryFull }
            return !spill.hasRoom(for: 64 * 1024)
        }
    }

    /// Whether new requests should be refused because their records could not be kept.
    public var refusesNewRecords: Bool { configuration.overflow == .reject && isFull }

    /// Waits until every record queued before this call has been stored (or given up on).
    public func flush() async {
        let target = state.withLock { $0.enqueued }
        await waitUntilSettled(target)
    }

    /// Waits until the record with this sequence number is stored (or given up on); false when `timeout` passed first.
    public func waitUntilStored(_ sequence: UInt64, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitUntilSettled(sequence)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Returns once `target` records are settled, or when the waiting task is cancelled.
    private func waitUntilSettled(_ target: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiterId += 1
            return state.nextWaiterId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = state.withLock { state in
                    if state.settled >= target || Task.isCancelled { return true }
                    state.flushWaiters.append((id, target, continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.flushWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.flushWaiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }

    /// Records waiting in memory and in the spill file.
    public var depth: Int { state.withLock { $0.backlog } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.loop()
        } onGracefulShutdown: {
            self.beginShutdown()
        }
    }

    private func beginShutdown() {
        state.withLock { state in
            state.shuttingDown = true
            if let wakeup = state.runnerWakeup {
                state.runnerWakeup = nil
                wakeup.resume()
            }
        }
    }

    private enum Source {
        case memory
        case spill(records: Int)
    }

    private func loop() async {
        var backoff = Duration.milliseconds(100)
        var failingSince: ContinuousClock.Instant?
        while true {
            await waitForWork()
            let (shuttingDown, backlog) = state.withLock { ($0.shuttingDown, $0.backlog) }
            if !shuttingDown, failingSince == nil, backlog < configuration.maxBatchSize {
                try? await Task.sleep(for: configuration.flushInterval)
            }
            guard let (batch, source, unreadable) = takeBatch() else {
                if state.withLock({ $0.shuttingDown }) || Task.isCancelled { return }
                continue
            }
            if unreadable > 0 { logger.error("spilled interaction records could not be read back", metadata: ["records": "\(unreadable)"]) }
            if await write(batch) {
                commit(source, count: batch.count + unreadable)
                if failingSince != nil {
                    logger.notice("database reachable again; buffered interaction records are being written", metadata: ["waiting": "\(depth)"])
                }
                failingSince = nil
                backoff = .milliseconds(100)
                continue
            }
            state.withLock { $0.writing = 0 }
            let now = ContinuousClock.now
            if failingSince == nil {
                failingSince = now
                logger.warning("database unreachable: interaction records are kept until it returns", metadata: ["waiting": "\(depth)"])
            }
            // Cancelled (the shutdown took too long), or shutting down with the database away for too long: what
            // is left goes to the spill file for the next start.
            if Task.isCancelled || state.withLock({ $0.shuttingDown }) && now - (failingSince ?? now) >= configuration.shutdownPatience {
                persistForNextStart()
                return
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, configuration.maxBackoff)
        }
    }

    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = state.withLock { state in
                    if state.backlog > 0 || state.shuttingDown { return true }
                    state.runnerWakeup = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            // A cancelled run (e.g. the service group giving up) must not stay parked here forever: treat it as a
            // shutdown, which wakes the loop, drains what is queued and returns.
            self.beginShutdown()
        }
    }

    /// The oldest records, left in place until they are stored: from memory first, then from the spill file.
    private func takeBatch() -> ([Interaction], Source, unreadable: Int)? {
        state.withLock { state in
            if state.memoryCount > 0 {
                let end = min(state.head + configuration.maxBatchSize, state.memory.count)
                state.writing = end - state.head
                return (state.memory[state.head..<end].map(\.interaction), .memory, 0)
            }
            guard let spill = state.spill, spill.unread > 0 else { return nil }
            guard let records = try? spill.peek(configuration.maxBatchSize) else { return nil }
            let readable = records.compactMap { $0 }
            return (readable, .spill(records: records.count), records.count - readable.count)
        }
    }

    private func commit(_ source: Source, count: Int) {
        let (waiters, ready) = state.withLock { state -> ([CheckedContinuation<Void, Never>], [CheckedContinuation<Void, Never>]) in
            var settledNow = count
            state.writing = 0
            switch source {
            case .memory:
                for pending in state.memory[state.head..<state.head + count] { state.memoryBytes -= pending.bytes }
                state.head += count
                compact(&state)
            case .spill(let records):
                state.spill?.consume(records)
                let inherited = min(state.inherited, records)
                state.inherited -= inherited
                settledNow = records - inherited
            }
            observer?.bufferChanged(memory: state.memoryCount, spilled: state.spilled)
            let ready = settleLocked(settledNow, &state)
            let waiters = state.spaceWaiters
            state.spaceWaiters.removeAll()
            return (waiters, ready)
        }
        for waiter in waiters { waiter.resume() }
        for waiter in ready { waiter.resume() }
    }

    @discardableResult
    private func settleLocked(_ count: Int, _ state: inout State) -> [CheckedContinuation<Void, Never>] {
        state.settled += UInt64(count)
        let settled = state.settled
        let ready = state.flushWaiters.filter { $0.target <= settled }.map(\.continuation)
        state.flushWaiters.removeAll { $0.target <= settled }
        return ready
    }

    private func compact(_ state: inout State) {
        if state.head == state.memory.count {
            state.memory.removeAll(keepingCapacity: true)
            state.head = 0
        } else if state.head > 4096, state.head * 2 > state.memory.count {
            state.memory.removeFirst(state.head)
            state.head = 0
        }
    }

    /// At exit with the database away: the records in memory go in front of the spill file's, for the next start.
    private func persistForNextStart() {
        let (lost, waiters) = state.withLock { state -> (Int, [CheckedContinuation<Void, Never>]) in
            let records = state.memory[state.head...].map { InteractionRecordCodec.encode($0.interaction) }
            guard let spill = state.spill else { return (records.count, []) }
            do {
                try spill.replaceUnread(with: records + spill.unreadPayloads())
                spill.sync()
                state.memory.removeAll()
                state.head = 0
                state.memoryBytes = 0
                // Everything handed over is now stored or on disk for the next start: nobody waits any longer.
                let ready = settleLocked(Int(state.enqueued - state.settled), &state)
                logger.notice("database still unreachable at exit: interaction records saved for the next start", metadata: [
                    "records": "\(spill.unread)", "file": "\(spill.path)",
                ])
                return (0, ready)
            } catch {
                logger.error("could not save interaction records for the next start", metadata: ["error": "\(error)"])
                return (records.count, [])
            }
        }
        for waiter in waiters { waiter.resume() }
        if lost > 0 {
            observer?.writeFailed(count: lost)
            logger.error("interaction records lost at exit: the database was unreachable and no spill file is configured", metadata: ["records": "\(lost)"])
        }
    }

    /// Writes a batch; true when every row is stored (a row the database refuses is stored in its reduced form, or
    /// reported lost if even that is refused). False when the database is unreachable: the caller keeps the batch.
    private func write(_ batch: [Interaction]) async -> Bool {
        guard !batch.isEmpty else { return true }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await insert(batch)
            health?.reportSuccess()
            observer?.batchWritten(size: batch.count, duration: clock.now - start)
            return true
        } catch StoreError.rejected(let reason) {
            logger.warning("interaction batch refused, storing row by row", metadata: ["reason": "\(reason)", "rows": "\(batch.count)"])
        } catch {
            health?.reportFailure(error)
            return false
        }
        // Inserts skip rows already stored, so a retried batch never stores a row twice.
        for row in batch {
            do {
                try await insert([row])
            } catch StoreError.rejected(let reason) {
                if !(await insertReduced(row, reason: reason)) { reportLost([row], reason: reason) }
            } catch {
                health?.reportFailure(error)
                return false
            }
        }
        observer?.batchWritten(size: batch.count, duration: clock.now - start)
        return true
    }

    /// One insert, bounded: a database that does not answer (a connection that cannot be made, a server that hangs)
    /// is an outage. The insert runs in a task of its own that is abandoned, not awaited, when time is up: a driver
    /// that ignores cancellation must not hold the writer. If it completes later, the retry skips the rows it stored,
    /// and the writer learns the database is slow rather than away (`InsertPatience`).
    private func insert(_ rows: [Interaction]) async throws {
        let started = ContinuousClock.now
        do {
            try await withPatience(patience.withLock { $0.current }) { [self] in
                try await store.insertInteractions(rows)
                patience.withLock { $0.insertFinished(after: .now - started) }
            }
        } catch let slow as NoAnswerInTime {
            throw StoreError.unavailable(slow.description)
        }
    }

    /// Stores the reduced form of a refused row; false when the database refuses that too.
    private func insertReduced(_ row: Interaction, reason: String) async -> Bool {
        do {
            try await store.insertInteractions([row.reduced(reason: reason)])
            observer?.rowReduced()
            logger.warning("interaction stored in reduced form", metadata: ["id": "\(row.id)", "reason": "\(reason)"])
            return true
        } catch {
            return false
        }
    }

    private func reportLost(_ rows: [Interaction], reason: String) {
        observer?.writeFailed(count: rows.count)
        logger.error("interaction records refused by the database", metadata: ["rows": "\(rows.count)", "ids": "\(rows.map(\.id.uuidString))", "reason": "\(reason)"])
    }
}

/// Receives the log writer's measurements (buffer, batches, failures) for metrics.
public protocol InteractionLogObserver: Sendable {
    /// Records waiting in memory and in the spill file.
    func bufferChanged(memory: Int, spilled: Int)
    func batchWritten(size: Int, duration: Duration)
    /// Records that could not be stored at all.
    func writeFailed(count: Int)
    /// Records dropped because the buffer was full (`ARCHESTRA_ON_LOG_OVERFLOW=drop`).
    func recordsDropped(_ count: Int)
    /// A refused row was stored in its reduced form.
    func rowReduced()
}

