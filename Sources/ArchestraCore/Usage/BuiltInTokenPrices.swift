import Foundation

/// The prices the gateway knows without being told, for the current models of the three providers, in US dollars
/// per million tokens, standard (not batch, not priority) tier. Each entry names the provider's price page and the
/// month it was read. Prices change: an operator corrects or adds one with `POST /api/token-prices`, which takes
/// precedence over the entry here; a model missing here stays unpriced (cost null) rather than guessed.
///
/// Where a provider charges more above a prompt length (Gemini 2.5 Pro and 1.5 above 200k/128k tokens, Claude
/// Sonnet 4 and 4.5 with the long-context option), the shorter-prompt price is listed. The cached-input price is
/// the cache read price; Anthropic's cache writes are charged as plain input (its surcharge is not modelled), and
/// Gemini's cache storage by the hour is not either. A model without cached pricing charges cached tokens as input.
public enum BuiltInTokenPrices {
    static let openAI = "https://openai.com/api/pricing/ (as published by the provider, August 2025)"
    static let anthropic = "https://docs.anthropic.com/en/docs/about-claude/pricing (as published by the provider, October 2025)"
    static let gemini = "https://ai.google.dev/gemini-api/docs/pricing (as published by the provider, June 2025)"

    /// model, input, cached input, output, source, the first day of the month the price was read.
    private static let table: [(String, Double, Double?, Double, String, String)] = [
        // OpenAI. gpt-4o's first snapshot kept its launch price, so it is listed under its own dated name.
        ("gpt-4o", 2.50, 1.25, 10.00, openAI, "2025-08-01"),
        ("gpt-4o-2024-05-13", 5.00, nil, 15.00, openAI, "2025-08-01"),
        ("gpt-4o-mini", 0.15, 0.075, 0.60, openAI, "2025-08-01"),
        ("gpt-4.1", 2.00, 0.50, 8.00, openAI, "2025-08-01"),
        ("gpt-4.1-mini", 0.40, 0.10, 1.60, openAI, "2025-08-01"),
        ("gpt-4.1-nano", 0.10, 0.025, 0.40, openAI, "2025-08-01"),
        ("o1", 15.00, 7.50, 60.00, openAI, "2025-08-01"),
        ("o3", 2.00, 0.50, 8.00, openAI, "2025-08-01"),
        ("o3-mini", 1.10, 0.55, 4.40, openAI, "2025-08-01"),
        ("o4-mini", 1.10, 0.275, 4.40, openAI, "2025-08-01"),
        ("gpt-5", 1.25, 0.125, 10.00, openAI, "2025-08-01"),
        ("gpt-5-mini", 0.25, 0.025, 2.00, openAI, "2025-08-01"),
        ("gpt-5-nano", 0.05, 0.005, 0.40, openAI, "2025-08-01"),
        // Anthropic (cache reads at a tenth of the input price).
        ("claude-3-haiku", 0.25, 0.03, 1.25, anthropic, "2025-10-01"),
        ("claude-3-opus", 15.00, 1.50, 75.00, anthropic, "2025-10-01"),
        ("claude-3-5-haiku", 0.80, 0.08, 4.00, anthropic, "2025-10-01"),
        ("claude-3-5-sonnet", 3.00, 0.30, 15.00, anthropic, "2025-10-01"),
        ("claude-3-7-sonnet", 3.00, 0.30, 15.00, anthropic, "2025-10-01"),
        ("claude-sonnet-4", 3.00, 0.30, 15.00, anthropic, "2025-10-01"),
        ("claude-sonnet-4-5", 3.00, 0.30, 15.00, anthropic, "2025-10-01"),
        ("claude-opus-4", 15.00, 1.50, 75.00, anthropic, "2025-10-01"),
        ("claude-opus-4-1", 15.00, 1.50, 75.00, anthropic, "2025-10-01"),
        ("claude-haiku-4-5", 1.00, 0.10, 5.00, anthropic, "2025-10-01"),
        // Google Gemini API, paid tier, text input.
        ("gemini-1.5-flash", 0.075, 0.01875, 0.30, gemini, "2025-06-01"),
        ("gemini-1.5-flash-8b", 0.0375, 0.01, 0.15, gemini, "2025-06-01"),
        ("gemini-1.5-pro", 1.25, 0.3125, 5.00, gemini, "2025-06-01"),
        ("gemini-2.0-flash", 0.10, 0.025, 0.40, gemini, "2025-06-01"),
        ("gemini-2.0-flash-lite", 0.075, nil, 0.30, gemini, "2025-06-01"),
        ("gemini-2.5-flash", 0.30, 0.075, 2.50, gemini, "2025-06-01"),
        ("gemini-2.5-flash-lite", 0.10, 0.025, 0.40, gemini, "2025-06-01"),
        ("gemini-2.5-pro", 1.25, 0.31, 10.00, gemini, "2025-06-01"),
    ]

    /// Every built-in price.
    public static let all: [TokenPrice] = table.map { model, input, cached, output, source, read in
        let date = Timestamp.parse(read + "T00:00:00.000Z")!
        return TokenPrice(
            id: id(for: model), model: model, inputPerMillion: input, cachedInputPerMillion: cached, outputPerMillion: output,
            builtIn: true, source: source, createdAt: date, updatedAt: date
        )
    }

    /// The built-in price of exactly this model name, if any.
    public static func price(forModel model: String) -> TokenPrice? { all.first { $0.model == model } }

    /// The built-in price with this id, if any.
    public static func price(id: UUID) -> TokenPrice? { all.first { $0.id == id } }

    /// A built-in price's id: derived from its model name, so it is the same on every instance and release, and an
    /// operator's price for that model can take the same id (deleting it brings the built-in one back).
    public static func id(for model: String) -> UUID {
        // Two 64-bit FNV-1a hashes with different offsets, laid out as an RFC 9562 version 8 (custom) UUID.
        func fnv(_ offset: UInt64) -> UInt64 {
            var hash = offset
            for byte in ("archestra-builtin-price:" + model).utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            return hash
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for (index, hash) in [fnv(0xCBF2_9CE4_8422_2325), fnv(0x6C62_272E_07BB_0142)].enumerated() {
            for shift in 0..<8 { bytes[index * 8 + shift] = UInt8(truncatingIfNeeded: hash >> (56 - 8 * UInt64(shift))) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
    }
}
