/// How a model name a client sends finds its price: providers publish prices for a model family's base name
/// (`gpt-4o`) while clients name snapshots (`gpt-4o-2024-08-06`), aliases (`claude-3-5-sonnet-latest`) and
/// versions (`gemini-2.0-flash-001`). Only these known version suffixes are removed, one at a time from the end,
/// so the first known name met is the longest one the request's model starts with; a name that differs in any
/// other way (`gpt-4o-audio-preview`, `gemini-2.5-flash-lite`) never borrows a neighbour's price.
public enum ModelNames {
    /// The name itself, then each shorter name left by removing one version suffix, longest first.
    public static func candidates(for model: String) -> [String] {
        var names: [String] = []
        var current = model
        // Gemini's SDKs sometimes keep the resource prefix on the model name.
        if current.hasPrefix("models/"), current.count > 7 { current.removeFirst(7) }
        if current != model { names.append(model) }
        names.append(current)
        while let shorter = removingVersionSuffix(current) {
            names.append(shorter)
            current = shorter
        }
        return names
    }

    /// The name without its last version suffix, or nil when it ends in none:
    /// `@anything` (Vertex AI), `-YYYY-MM-DD` and `-YYYYMMDD` (snapshot dates), `-latest`, `-NNN` (Gemini versions)
    /// and `-preview-MM-DD` (Gemini previews).
    static func removingVersionSuffix(_ name: String) -> String? {
        if let at = name.lastIndex(of: "@"), at != name.startIndex { return String(name[..<at]) }
        let segments = name.split(separator: "-", omittingEmptySubsequences: false)
        guard segments.count >= 2, let last = segments.last else { return nil }
        var drop = 0
        if last == "latest" {
            drop = 1
        } else if isDigits(last, count: 8), last.hasPrefix("20") {
            drop = 1
        } else if isDigits(last, count: 3) {
            drop = 1
        } else if segments.count >= 4, isDigits(last, count: 2), isDigits(segments[segments.count - 2], count: 2) {
            let third = segments[segments.count - 3]
            if (isDigits(third, count: 4) && third.hasPrefix("20")) || third == "preview" { drop = 3 }
        }
        guard drop > 0, segments.count > drop else { return nil }
        let kept = segments.dropLast(drop).joined(separator: "-")
        return kept.isEmpty ? nil : kept
    }

    private static func isDigits(_ text: Substring, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

/// The prices the gateway charges with: the built-in table with the operator's prices over it (an operator's
/// price for a model replaces the built-in one). An immutable value, swapped whole when prices change, so the
/// request path reads it without a lock held for more than a pointer copy and without the database.
public struct PriceBook: Sendable {
    /// Every effective price, ordered by model name.
    public let prices: [TokenPrice]
    private let byModel: [String: TokenPrice]

    public init(builtIn: [TokenPrice] = BuiltInTokenPrices.all, overrides: [TokenPrice]) {
        var byModel: [String: TokenPrice] = [:]
        for price in builtIn { byModel[price.model] = price }
        for price in overrides { byModel[price.model] = price }
        self.byModel = byModel
        prices = byModel.values.sorted { $0.model < $1.model }
    }

    /// The price of a model: its own name first, then its names without version suffixes; nil when none is known.
    public func price(for model: String) -> TokenPrice? {
        if let exact = byModel[model] { return exact }
        for name in ModelNames.candidates(for: model).dropFirst() {
            if let price = byModel[name] { return price }
        }
        return nil
    }

    /// What a call cost: nil when nothing was reported or the model has no known price (never guessed).
    public func cost(of usage: UsageReport?, model: String?) -> USDAmount? {
        guard let usage, let model, let price = price(for: model) else { return nil }
        return price.cost(of: usage)
    }
}
