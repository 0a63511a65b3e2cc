import ArchestraCore
import ArchestraStore
import Foundation
import Logging

/// The token prices the pipeline charges with, always in memory: the built-in table from the start, the
/// operator's prices over it once read (before serving), and read again after every admin write here or, through
/// the change feed, on another instance. Pricing a call never waits for the database; while a reload is under way
/// or the database is away, the last book read stays in use (prices cannot change while it is away).
final class PriceDirectory: Sendable {
    private let prices: ReloadedValue<PriceBook>

    init(store: any Store, logger: Logger) {
        prices = ReloadedValue(PriceBook(overrides: []), name: "token prices", logger: logger) {
            PriceBook(overrides: try await store.listTokenPrices())
        }
    }

    /// The prices in force.
    var book: PriceBook { prices.value }

    /// Reads the operator's prices and puts them in force (unless a newer change arrived meanwhile).
    func reload() async throws { try await prices.reload() }

    /// Prices may have changed: reads them again in the background, keeping the current ones meanwhile.
    func invalidate() { prices.invalidate() }
}
