import Synchronization

/// Splits a pipeline request's time into the provider's share and the gateway's own (its overhead).
final class ExchangeTiming: Sendable {
    private let started: ContinuousClock.Instant
    private let waited = Mutex(Duration.zero)

    init(started: ContinuousClock.Instant) {
        self.started = started
    }

    /// Counts `duration` as time spent waiting for the provider.
    func addUpstreamWait(_ duration: Duration) {
        waited.withLock { $0 += duration }
    }

    /// Total time so far.
    var elapsed: Duration { ContinuousClock.now - started }

    /// Total time so far minus the provider's share.
    var overhead: Duration {
        let total = ContinuousClock.now - started
        return total - waited.withLock { $0 }
    }
}
