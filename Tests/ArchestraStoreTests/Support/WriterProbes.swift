import ArchestraStore
import Synchronization

/// A one-shot gate: `wait()` suspends until `open()` has been called (before or after).
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow: Bool = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() { value.withLock { $0 += 1 } }
    var current: Int { value.withLock { $0 } }
}

/// Records what the writer reports: the deepest queue it ever had, rows written and rows given up on.
final class RecordingObserver: InteractionLogObserver {
    private struct State {
        var maxDepth = 0
        var written = 0
        var failed = 0
        var reduced = 0
        var dropped = 0
    }

    private let state = Mutex(State())

    func bufferChanged(memory: Int, spilled: Int) { state.withLock { $0.maxDepth = max($0.maxDepth, memory + spilled) } }
    func recordsDropped(_ count: Int) { state.withLock { $0.dropped += count } }
    func batchWritten(size: Int, duration: Duration) { state.withLock { $0.written += size } }
    func writeFailed(count: Int) { state.withLock { $0.failed += count } }
    func rowReduced() { state.withLock { $0.reduced += 1 } }

    var maxDepth: Int { state.withLock { $0.maxDepth } }
    var written: Int { state.withLock { $0.written } }
    var failed: Int { state.withLock { $0.failed } }
    var reduced: Int { state.withLock { $0.reduced } }
    var dropped: Int { state.withLock { $0.dropped } }
}

/// Polls `condition` (a state the code under test must reach, not a deadline it must meet); false if it never held.
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<6_000 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// Whether `task` finishes within `limit`. A guard against hanging the whole run when the code under test never
/// returns (a generous bound on something expected to take microseconds, not a performance assertion).
func finishes<Success: Sendable>(_ task: Task<Success, any Error>, within limit: Duration) async -> Bool {
    let answer = FirstAnswer()
    return await withCheckedContinuation { continuation in
        answer.wait(with: continuation)
        Task {
            _ = await task.result
            answer.give(true)
        }
        Task {
            try? await Task.sleep(for: limit)
            answer.give(false)
        }
    }
}

/// Hands the first of several answers to a waiting continuation and drops the rest.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func wait(with continuation: CheckedContinuation<Bool, Never>) { self.continuation.withLock { $0 = continuation } }

    func give(_ value: Bool) {
        let waiting = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
    }
}
