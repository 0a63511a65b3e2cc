import ArchestraCore
import ArchestraStore
import Logging
import ServiceLifecycle

/// Shares this instance's usage with the others through the database, off the request path: every `interval` it
/// adds what was counted here to the shared counters and reads everyone's totals back, and once a minute deletes
/// the counters of windows that are over. A last exchange at shutdown hands over what was counted since.
struct LimitSync: Service {
    let limits: LimitGuard
    let clock: any WallClock
    let interval: Duration
    /// How long the last exchange at shutdown may take: a few seconds, not the whole shutdown.
    var lastExchangePatience: Duration = .seconds(3)
    let logger: Logger

    func run() async throws {
        let failing = await cancelWhenGracefulShutdown { await rounds() }
        // The last exchange runs in a task of its own: the shutdown may already have cancelled this one, and a
        // cancelled task's queries fail at once. It gets a few seconds, not the whole shutdown.
        let last = Task { await exchange(failing: failing) }
        _ = try? await withPatience(lastExchangePatience) { await last.value }
    }

    /// Exchanges every interval until cancelled; returns whether the last exchange failed.
    private func rounds() async -> Bool {
        var failing = false
        var round = 0
        let pruneEvery = max(1, Int((Duration.seconds(60) / interval).rounded(.up)))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            failing = await exchange(failing: failing)
            round += 1
            if round % pruneEvery == 0 { await limits.pruneFinished(at: clock.now(), logger: logger) }
        }
        return failing
    }

    /// One exchange; returns whether it failed (a failure is logged once per spell, not every interval).
    private func exchange(failing: Bool) async -> Bool {
        do {
            try await limits.sync(at: clock.now())
            if failing { logger.notice("usage limit counters are shared again") }
            return false
        } catch {
            if !failing {
                logger.warning(
                    "could not share usage limit counters; limits are enforced with this instance's counts until the database answers",
                    metadata: ["error": "\(error)"]
                )
            }
            return true
        }
    }
}
