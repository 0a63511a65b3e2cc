import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the interaction table from growing without end, off the request path: every `interval` it gets storage
/// ready for the coming days and, with a retention period, deletes interactions from before the start of the UTC
/// day `retentionDays` ago, in small batches with a pause between them so the database keeps serving.
struct RetentionService: Service {
    let store: any Store
    let clock: any WallClock
    let retentionDays: Int?
    let logger: Logger
    var interval: Duration = .seconds(3600)
    var batchSize = 5_000
    var pause: Duration = .milliseconds(50)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // A first pass soon after start, then every interval.
            try? await Task.sleep(for: .seconds(30))
            while !Task.isCancelled {
                await pass()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One round of preparation and deletion; returns how many interactions were deleted.
    @discardableResult
    func pass() async -> Int {
        let now = clock.now()
        do {
            try await store.prepareInteractionStorage(now: now)
        } catch {
            logger.warning("could not prepare interaction storage for the coming days", metadata: ["error": "\(error)"])
        }
        guard let retentionDays else { return 0 }
        let cutoff = Self.cutoff(now: now, days: retentionDays)
        var total = 0
        do {
            while !Task.isCancelled {
                let deleted = try await store.deleteInteractions(before: cutoff, limit: batchSize)
                if deleted == 0 { break }
                total += deleted
                try? await Task.sleep(for: pause)
            }
        } catch {
            logger.warning("interaction retention stopped early", metadata: ["error": "\(error)", "deleted": "\(total)"])
        }
        if total > 0 {
            logger.info("old interactions deleted", metadata: ["deleted": "\(total)", "before": "\(Timestamp.format(cutoff))"])
        }
        return total
    }

    /// The start of the UTC day `days` days before `now`'s.
    static func cutoff(now: Date, days: Int) -> Date {
        let startOfDay = (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        return Date(timeIntervalSince1970: startOfDay - Double(days) * 86_400)
    }
}
