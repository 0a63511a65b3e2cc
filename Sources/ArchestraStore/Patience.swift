import Synchronization

/// Runs `operation` in a task of its own and waits for it at most `patience`; past that throws `NoAnswerInTime`
/// and leaves the task to finish (or fail) on its own. A database driver that waits for a
/// connection which will not come, and ignores cancellation while it does, must not hold the caller: a request,
/// the log writer, a probe. Only for operations whose late completion is harmless (reads, idempotent writes).
public func withPatience<T: Sendable>(
    _ patience: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    let work = Task {
        do {
            outcome.resolve(.success(try await operation()))
        } catch {
            outcome.resolve(.failure(error))
        }
    }
    let timer = Task {
        try? await Task.sleep(for: patience)
        outcome.resolve(.failure(NoAnswerInTime(patience: patience)))
    }
    let result = await outcome.value()
    timer.cancel()
    if case .failure = result { work.cancel() }
    return try result.get()
}

/// The database did not answer within the patience given: perhaps away, perhaps only slow.
public struct NoAnswerInTime: Error, CustomStringConvertible, Sendable {
    public let patience: Duration
    public var description: String { "database unavailable: no answer within \(describe(patience))" }
}

/// "3 s", "250 ms".
private func describe(_ duration: Duration) -> String {
    let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    return milliseconds % 1_000 == 0 ? "\(milliseconds / 1_000) s" : "\(milliseconds) ms"
}

/// The first of several results, handed to the one task waiting for it.
final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<Result<T, any Error>, Never>?
    }

    private let state = Mutex(State())

    func resolve(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<T, any Error>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }

    func value() async -> Result<T, any Error> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
