import Foundation

/// What one model costs, in US dollars per million tokens.
public struct TokenPrice: Sendable, Hashable {
    public var id: UUID
    /// The model name this price applies to; dated and versioned names resolve to it (see `ModelNames`).
    public var model: String
    public var inputPerMillion: Double
    /// The price of prompt tokens served from the provider's cache; nil charges them as plain input.
    public var cachedInputPerMillion: Double?
    public var outputPerMillion: Double
    /// Shipped with the gateway rather than set through the admin API.
    public var builtIn: Bool
    /// Where the price comes from (built-in prices: the provider's page and when it was read).
    public var source: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, model: String, inputPerMillion: Double, cachedInputPerMillion: Double?, outputPerMillion: Double,
        builtIn: Bool = false, source: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.model = model
        self.inputPerMillion = inputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.outputPerMillion = outputPerMillion
        self.builtIn = builtIn
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The cost of one call: uncached input, cached input and output, each at its price. Cached tokens beyond
    /// the input count (a provider's inconsistency) are capped at it, so no token is charged below zero.
    public func cost(of usage: UsageReport) -> USDAmount? {
        let input = max(usage.inputTokens ?? 0, 0)
        let cached = min(max(usage.cachedInputTokens ?? 0, 0), input)
        let output = max(usage.outputTokens ?? 0, 0)
        // Tokens × (USD per million) × 1000 is nanodollars; one rounding, after the sum.
        let nanos = Double(input - cached) * inputPerMillion * 1000
            + Double(cached) * (cachedInputPerMillion ?? inputPerMillion) * 1000
            + Double(output) * outputPerMillion * 1000
        let rounded = nanos.rounded()
        guard rounded.isFinite, rounded < 9.2e18 else { return nil }
        return USDAmount(nanodollars: Int64(rounded))
    }
}

extension TokenPrice {
    /// The longest model name accepted.
    public static let maxModelLength = 200
    /// The highest price accepted, per million tokens: far above any real one, low enough to catch a typo.
    public static let maxPerMillion = 100_000.0

    /// Why a model name cannot be priced, or nil: 1–200 characters, starting with a letter or digit, then letters,
    /// digits and `. _ - : / @ +` (every provider's model names fit).
    public static func modelNameProblem(_ name: String) -> String? {
        guard !name.isEmpty, name.unicodeScalars.count <= maxModelLength else {
            return "must be 1–\(maxModelLength) characters"
        }
        let alphanumerics = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".unicodeScalars)
        let punctuation = Set("._-:/@+".unicodeScalars)
        guard let first = name.unicodeScalars.first, alphanumerics.contains(first) else { return "must start with a letter or a digit" }
        guard name.unicodeScalars.allSatisfy({ alphanumerics.contains($0) || punctuation.contains($0) }) else {
            return "may hold only letters, digits and . _ - : / @ +"
        }
        return nil
    }

    /// Why a price cannot be used, or nil: a finite number from 0 to `maxPerMillion`.
    public static func priceProblem(_ value: Double) -> String? {
        guard value.isFinite, value >= 0 else { return "must be a finite number, zero or more" }
        guard value <= maxPerMillion else { return "must be at most \(Int(maxPerMillion)) (USD per million tokens)" }
        return nil
    }
}
