import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import Synchronization

/// Enforces the operator's usage limits on the request path from memory: the limits in force and the ledger of
/// what was used. The limits are read at start and again after every admin change; the
/// ledger trades this instance's counts for everyone's totals in the background (`LimitSync`).
final class LimitGuard: Sendable {
    /// The limits in force, by whom they count.
    struct Book: Sendable {
        var global: [UsageLimit] = []
        var perAgent: [UUID: [UsageLimit]] = [:]

        init(_ limits: [UsageLimit] = []) {
            for limit in limits {
                if let agentId = limit.agentId { perAgent[agentId, default: []].append(limit) } else { global.append(limit) }
            }
        }

        func applying(to agentId: UUID) -> [UsageLimit] {
            guard let own = perAgent[agentId] else { return global }
            return global + own
        }
    }

    private let store: any Store
    private let book: ReloadedValue<Book>
    private let ledger = Mutex(LimitLedger())

    init(store: any Store, logger: Logger) {
        self.store = store
        book = ReloadedValue(Book(), name: "usage limits", logger: logger) { Book(try await store.listLimits()) }
    }

    /// Admits a request of `agentId` at `now`, or names the limit it is over.
    func admit(agentId: UUID, at now: Date) -> LimitExceeded? {
        let second = Int64(now.timeIntervalSince1970.rounded(.down))
        let limits = book.value.applying(to: agentId)
        return ledger.withLock { $0.admit(agentId: agentId, limits: limits, at: second) }
    }

    /// How much of a limit's kind its scope used in the current window, as this instance knows (for the UI).
    func used(_ kind: LimitKind, scope: LimitScope, at now: Date) -> Int64 {
        let second = Int64(now.timeIntervalSince1970.rounded(.down))
        let key = LimitCounterKey(scope: scope, kind: kind, windowStart: kind.window(at: second).start)
        return ledger.withLock { $0.amount(key) }
    }

    /// Counts what an answered request used.
    func spent(tokens: Int, cost: USDAmount?, agentId: UUID, at now: Date) {
        let nanodollars = cost?.nanodollars ?? 0
        guard tokens > 0 || nanodollars > 0 else { return }
        let second = Int64(now.timeIntervalSince1970.rounded(.down))
        ledger.withLock { $0.spent(tokens: Int64(tokens), nanodollars: nanodollars, agentId: agentId, at: second) }
    }

    /// Reads the limits and puts them in force (unless a newer change arrived meanwhile).
    func reload() async throws { try await book.reload() }

    /// Limits may have changed: reads them again in the background, keeping the current ones meanwhile.
    func invalidate() { book.invalidate() }

    /// Adds what was counted here to the shared counters and reads everyone's totals; when the database cannot be
    /// reached the counts stay here (the limits are then enforced with what this instance knows).
    func sync(at now: Date) async throws {
        let second = Int64(now.timeIntervalSince1970.rounded(.down))
        let pending = ledger.withLock { $0.takePending() }
        do {
            try await store.addToLimitCounters(pending)
        } catch {
            ledger.withLock { $0.unsettled(at: second) }
            throw error
        }
        // The amounts are stored: from here on a failed read must not give them back, or they would count twice.
        let totals: [LimitCounterKey: Int64]
        do {
            totals = try await store.currentLimitCounters(at: second)
        } catch {
            ledger.withLock { $0.settle(totals: $0.storedTotals(adding: pending)) }
            throw error
        }
        ledger.withLock { $0.settle(totals: totals) }
    }

    /// Deletes the shared counters of windows that are over (a failure only leaves them for the next round).
    func pruneFinished(at now: Date, logger: Logger) async {
        do {
            try await store.deleteFinishedLimitCounters(before: Int64(now.timeIntervalSince1970.rounded(.down)))
        } catch {
            logger.debug("could not delete finished usage limit counters", metadata: ["error": "\(error)"])
        }
    }
}
