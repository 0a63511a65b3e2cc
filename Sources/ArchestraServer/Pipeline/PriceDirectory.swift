import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import Synchronization

/// The token prices the pipeline charges with, always in memory: the built-in table from the start, the
/// operator's prices over it once read (before serving), and read again after every admin write here or, through
/// the change feed, on another instance. Pricing a call never waits for the database; while a reload is under way
/// or the database is away, the last book read stays in use (prices cannot change while it is away).
final class PriceDirectory: Sendable {
    private struct State {
        var book = PriceBook(overrides: [])
        /// Bumped by every invalidation, so a reload that raced with a newer write cannot keep older prices.
        var generation: UInt64 = 0
    }

    private let store: any Store
    private let logger: Logger
    private let state = Mutex(State())

    init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The prices in force.
    var book: PriceBook { state.withLock { $0.book } }

    /// Reads the operator's prices and puts them in force (unless a newer change arrived meanwhile).
    func reload() async throws {
        let generation = state.withLock { $0.generation }
        let overrides = try await store.listTokenPrices()
        let book = PriceBook(overrides: overrides)
        state.withLock { state in
            if state.generation == generation { state.book = book }
        }
    }

    /// Prices may have changed: reads them again in the background, keeping the current ones meanwhile.
    func invalidate() {
        state.withLock { $0.generation &+= 1 }
        Task { [self] in
            do {
                try await reload()
            } catch {
                logger.warning("could not read token prices; the previous ones stay in force", metadata: ["error": "\(error)"])
            }
        }
    }
}
