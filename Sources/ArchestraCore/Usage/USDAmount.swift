/// An amount of US dollars held as whole nanodollars (1e-9 USD), so that sums over millions of interactions are
/// exact: each interaction's cost is computed in floating point once, rounded to the nanodollar, and only whole
/// numbers are added after that. A nanodollar is finer than any per-token price (the cheapest are around 5e-9 USD
/// a token), and 63 bits hold more than nine billion dollars.
public struct USDAmount: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanodollars: Int64

    public init(nanodollars: Int64) {
        self.nanodollars = nanodollars
    }

    public static let zero = USDAmount(nanodollars: 0)

    /// The amount nearest to `dollars` (half away from zero); nil when it is not a finite amount that fits.
    public init?(dollars: Double) {
        let nanos = (dollars * 1e9).rounded()
        guard nanos.isFinite, abs(nanos) < 9.2e18 else { return nil }
        nanodollars = Int64(nanos)
    }

    /// The amount in dollars, as a floating-point number (for metrics).
    public var dollars: Double { Double(nanodollars) / 1e9 }

    public static func + (lhs: USDAmount, rhs: USDAmount) -> USDAmount {
        USDAmount(nanodollars: lhs.nanodollars &+ rhs.nanodollars)
    }

    public static func < (lhs: USDAmount, rhs: USDAmount) -> Bool { lhs.nanodollars < rhs.nanodollars }

    /// Exact decimal text with no trailing zeros: `0.0000375`, `12`, `-0.5`.
    public var description: String {
        let negative = nanodollars < 0
        let magnitude = nanodollars.magnitude
        let whole = magnitude / 1_000_000_000
        var fraction = String(magnitude % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return (negative ? "-" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// The amount as a JSON number written in decimal, so a reader sees exactly the stored amount.
    public var json: JSONValue { .number(description) }
}
