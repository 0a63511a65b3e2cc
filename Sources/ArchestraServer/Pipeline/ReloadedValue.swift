import Logging
import Synchronization

/// Something the request path reads from memory that admin writes can make stale (prices, limits): read before
/// serving, read again after every change here or, through the change feed, on another instance. The value in
/// force stays while a reload runs or fails (the database cannot change it while it is away), and a reload that
/// raced with a newer change never puts older data in force.
final class ReloadedValue<Value: Sendable>: Sendable {
    private struct State {
        var value: Value
        /// Bumped by every invalidation.
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>
    private let read: @Sendable () async throws -> Value
    /// What the value is, for the warning when it cannot be read ("token prices").
    private let name: String
    private let logger: Logger

    init(_ initial: Value, name: String, logger: Logger, read: @escaping @Sendable () async throws -> Value) {
        state = Mutex(State(value: initial))
        self.read = read
        self.name = name
        self.logger = logger
    }

    /// The value in force.
    var value: Value { state.withLock { $0.value } }

    /// Reads the value and puts it in force (unless a newer change arrived meanwhile).
    func reload() async throws {
        let generation = state.withLock { $0.generation }
        let fresh = try await read()
        state.withLock { state in
            if state.generation == generation { state.value = fresh }
        }
    }

    /// The value may have changed: reads it again in the background, keeping the current one meanwhile.
    func invalidate() {
        state.withLock { $0.generation &+= 1 }
        Task { [self] in
            do {
                try await reload()
            } catch {
                logger.warning("could not read the \(name); the previous ones stay in force", metadata: ["error": "\(error)"])
            }
        }
    }
}
