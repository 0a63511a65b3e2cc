import ArchestraCore
import Logging
import ServiceLifecycle
import Synchronization

/// Stores interaction records in batches off the request path.
///
/// Requests hand their record over and go on; a single loop writes up to `maxBatchSize` rows at a time, at most
/// `flushInterval` after the first one arrived. The queue is bounded: when it is full, `record` waits for room
/// (backpressure) rather than growing without limit. On graceful shutdown the loop drains the queue before it
/// returns, so a request that got a response has its record stored.
public final class InteractionLogWriter: Service, Sendable {
    /// Batching limits.
    public struct Configuration: Sendable {
        public var maxBatchSize: Int
        public var flushInterval: Duration
        public var capacity: Int

        public init(maxBatchSize: Int = 500, flushInterval: Duration = .milliseconds(50), capacity: Int = 20_000) {
            self.maxBatchSize = maxBatchSize
            self.flushInterval = flushInterval
            self.capacity = capacity
        }
    }

    private struct State {
        var pending: [Interaction] = []
        var runnerWakeup: CheckedContinuation<Void, Never>?
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var flushWaiters: [(target: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var enqueued: UInt64 = 0
        var settled: UInt64 = 0
        var shuttingDown = false
    }

    private let store: any Store
    private let configuration: Configuration
    private let logger: Logger
    private let observer: (any InteractionLogObserver)?
    private let state = Mutex(State())

    public init(store: any Store, configuration: Configuration = .init(), logger: Logger, observer: (any InteractionLogObserver)? = nil) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
    }

    /// Queues a record; returns at once unless the queue is full.
    public func record(_ interaction: Interaction) async {
        while true {
            let accepted: Bool = state.withLock { state in
                guard state.pending.count < configuration.capacity else { return false }
                state.pending.append(interaction)
                state.enqueued += 1
                if let wakeup = state.runnerWakeup {
                    state.runnerWakeup = nil
                    wakeup.resume()
                }
                return true
            }
            if accepted { return }
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = state.withLock { state in
                    if state.pending.count < configuration.capacity { return true }
                    state.spaceWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Waits until every record queued before this call has been written (or given up on).
    public func flush() async {
        await withCheckedContinuation { continuation in
            let resumeNow: Bool = state.withLock { state in
                if state.settled >= state.enqueued { return true }
                state.flushWaiters.append((state.enqueued, continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Records waiting to be written.
    public var depth: Int { state.withLock { $0.pending.count } }

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

    private func loop() async {
        while true {
            await waitForWork()
            let shuttingDown = state.withLock { $0.shuttingDown }
            if !shuttingDown, depth < configuration.maxBatchSize {
                try? await Task.sleep(for: configuration.flushInterval)
            }
            let batch = takeBatch()
            if batch.isEmpty {
                if state.withLock({ $0.shuttingDown }) || Task.isCancelled { return }
                continue
            }
            await write(batch)
            settle(count: batch.count)
        }
    }

    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = state.withLock { state in
                    if !state.pending.isEmpty || state.shuttingDown { return true }
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

    private func takeBatch() -> [Interaction] {
        let (batch, waiters) = state.withLock { state in
            let count = min(state.pending.count, configuration.maxBatchSize)
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            observer?.queueDepthChanged(state.pending.count)
            let waiters = state.spaceWaiters
            state.spaceWaiters.removeAll()
            return (batch, waiters)
        }
        for waiter in waiters { waiter.resume() }
        return batch
    }

    private func settle(count: Int) {
        let ready = state.withLock { state in
            state.settled += UInt64(count)
            let settled = state.settled
            let ready = state.flushWaiters.filter { $0.target <= settled }.map(\.continuation)
            state.flushWaiters.removeAll { $0.target <= settled }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    /// Writes a batch; when the batch fails, writes rows one by one so one bad row cannot sink the others, stores a
    /// row the database refuses in its reduced form, and retries with backoff the ones it could not take (down).
    private func write(_ batch: [Interaction]) async {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await store.insertInteractions(batch)
            observer?.batchWritten(size: batch.count, duration: clock.now - start)
            return
        } catch {
            logger.warning("interaction batch insert failed, retrying row by row", metadata: ["error": "\(error)", "rows": "\(batch.count)"])
        }
        var remaining = batch
        var backoff = Duration.milliseconds(100)
        var attempts = 0
        while !remaining.isEmpty {
            var retry: [Interaction] = []
            var refused: [Interaction] = []
            var lastError: (any Error)?
            for row in remaining {
                do { try await store.insertInteractions([row]) } catch {
                    lastError = error
                    // A row the database refuses will be refused again: keep its reduced form instead.
                    if case StoreError.rejected(let reason) = error {
                        if !(await insertReduced(row, reason: reason)) { refused.append(row) }
                    } else {
                        retry.append(row)
                    }
                }
            }
            if !refused.isEmpty { reportLost(refused, error: lastError) }
            remaining = retry
            attempts += 1
            if remaining.isEmpty { break }
            let shuttingDown = state.withLock { $0.shuttingDown }
            if attempts >= (shuttingDown ? 3 : 20) {
                reportLost(remaining, error: lastError)
                return
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
        observer?.batchWritten(size: batch.count, duration: clock.now - start)
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

    private func reportLost(_ rows: [Interaction], error: (any Error)?) {
        observer?.writeFailed(count: rows.count)
        logger.error(
            "interaction records could not be stored",
            metadata: ["rows": "\(rows.count)", "ids": "\(rows.map(\.id.uuidString))", "error": "\(error.map { "\($0)" } ?? "unknown")"]
        )
    }
}

/// Receives the log writer's measurements (queue depth, batches, failures) for metrics.
public protocol InteractionLogObserver: Sendable {
    func queueDepthChanged(_ depth: Int)
    func batchWritten(size: Int, duration: Duration)
    func writeFailed(count: Int)
    /// A refused row was stored in its reduced form.
    func rowReduced()
}
