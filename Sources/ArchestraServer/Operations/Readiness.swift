import ArchestraStore
import Foundation
import Synchronization

/// Whether this instance should get traffic: not while it starts (migrations), not once it begins to shut down,
/// not while its database is unreachable. Read by `/ready` from memory, so a probe costs no query.
final class Readiness: Sendable {
    enum Phase: Sendable, Equatable {
        case starting
        case serving
        case draining
        /// Startup failed; the process is about to exit.
        case failed(String)
    }

    private let current = Mutex(Phase.starting)
    private let startup = Latch()
    let health: StoreHealth

    init(health: StoreHealth) {
        self.health = health
    }

    var phase: Phase { current.withLock { $0 } }

    /// nil when ready, else why not.
    var notReadyReason: String? {
        switch phase {
        case .starting: return "starting: applying database migrations"
        case .draining: return "shutting down"
        case .failed(let reason): return "startup failed: \(reason)"
        case .serving:
            let status = health.status
            return status.reachable ? nil : "database unreachable: \(status.reason ?? "no answer")"
        }
    }

    func started() { finishStartup(.serving) }

    func startupFailed(_ reason: String) { finishStartup(.failed(reason)) }

    /// From now on `/ready` answers 503; requests are still served until the server stops.
    func beginDraining() {
        current.withLock { $0 = .draining }
    }

    /// Waits until startup is over (at most `timeout`); true when the instance serves.
    func waitUntilStarted(timeout: Duration) async -> Bool {
        guard await startup.wait(timeout: timeout) else { return false }
        if case .failed = phase { return false }
        return true
    }

    private func finishStartup(_ phase: Phase) {
        current.withLock { if $0 == .starting { $0 = phase } }
        startup.open()
    }
}
