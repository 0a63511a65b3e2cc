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

    /// Time from the request's arrival to `instant`.
    func elapsed(at instant: ContinuousClock.Instant) -> Duration { instant - started }

    /// Total time so far.
    var elapsed: Duration { ContinuousClock.now - started }

    /// Total time so far minus the provider's share.
    var overhead: Duration {
        let total = ContinuousClock.now - started
        return total - waited.withLock { $0 }
    }
}
