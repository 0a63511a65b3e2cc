import Foundation
import Synchronization

/// Whether the database answers, as the parts that use it last saw: the log writer, the change feed and a slow
/// probe report what they meet, and readiness and the hot path read it without a query of their own.
public final class StoreHealth: Sendable {
    public struct Status: Sendable, Equatable {
        public var reachable: Bool
        /// Why not, when not (a store error's text, which never holds a password).
        public var reason: String?
        public var since: Date
    }

    private let state: Mutex<Status>
    private let onChange: @Sendable (Status) -> Void

    public init(onChange: @escaping @Sendable (Status) -> Void = { _ in }) {
        state = Mutex(Status(reachable: true, reason: nil, since: Date()))
        self.onChange = onChange
    }

    public var status: Status { state.withLock { $0 } }
    public var isReachable: Bool { state.withLock { $0.reachable } }

    public func reportFailure(_ error: any Error) {
        update(reachable: false, reason: "\(error)")
    }

    public func reportSuccess() {
        update(reachable: true, reason: nil)
    }

    private func update(reachable: Bool, reason: String?) {
        let changed: Status? = state.withLock { status in
            guard status.reachable != reachable else { return nil }
            status = Status(reachable: reachable, reason: reason, since: Date())
            return status
        }
        if let changed { onChange(changed) }
    }
}

extension StoreHealth {
    /// How long a request waits for the database before it goes on with what it knows.
    public static let requestPatience: Duration = .seconds(3)

    /// Runs a store call for a request, bounded by `patience`, as `StoreError.unavailable` past it. A call that
    /// finds the database unreachable marks it so, and later requests go on from memory without trying; a slow
    /// answer does not (on a machine at full load it is only slow; the probe and the log writer tell the two apart).
    public func call<T: Sendable>(
        patience: Duration = StoreHealth.requestPatience, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await withPatience(patience, operation)
        } catch let slow as NoAnswerInTime {
            throw StoreError.unavailable(slow.description)
        } catch let error as StoreError {
            if case .unavailable = error { reportFailure(error) }
            throw error
        }
    }
}
