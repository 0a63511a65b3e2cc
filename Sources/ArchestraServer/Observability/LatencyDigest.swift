import Foundation
import Synchronization

/// Counts durations in logarithmic buckets (1 µs to about 100 s, 8 per doubling) so the UI can show percentiles
/// of this instance's gateway overhead without keeping every sample: within 10 % of the true value.
final class LatencyDigest: Sendable {
    private static let perDoubling = 8.0
    private static let bucketCount = 220
    private let counts = Mutex([Int](repeating: 0, count: bucketCount))

    func record(_ duration: Duration) {
        let microseconds = max(Double(duration.nanoseconds) / 1000, 1)
        let index = min(Int((log2(microseconds) * Self.perDoubling).rounded(.down)), Self.bucketCount - 1)
        counts.withLock { $0[index] += 1 }
    }

    /// The duration below which `fraction` of the samples fall (the bucket's upper edge); nil without samples.
    func quantile(_ fraction: Double) -> Duration? {
        let snapshot = counts.withLock { $0 }
        let total = snapshot.reduce(0, +)
        guard total > 0 else { return nil }
        let target = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for (index, count) in snapshot.enumerated() {
            seen += count
            if seen >= max(target, 1) {
                return .nanoseconds(Int64(pow(2, Double(index + 1) / Self.perDoubling) * 1000))
            }
        }
        return nil
    }
}
