import ArchestraCore
import Foundation
import Testing

/// Finding a model's price, the cost arithmetic, and exact dollar amounts.
@Suite("Token pricing")
struct TokenPricingTests {
    static let book = PriceBook(overrides: [])

    static let resolutions: [(String, String?)] = [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-2024-11-20", "gpt-4o"),
        // The first snapshot has its own (launch) price, found by exact name before any suffix is removed.
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-4.1-nano", "gpt-4.1-nano"),
        ("o3-2025-04-16", "o3"),
        ("o4-mini-2025-04-16", "o4-mini"),
        ("gpt-5-2025-08-07", "gpt-5"),
        ("gpt-5-mini", "gpt-5-mini"),
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet"),
        ("claude-3-7-sonnet-20250219", "claude-3-7-sonnet"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("gemini-2.5-flash", "gemini-2.5-flash"),
        ("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"),
        ("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("gemini-1.5-pro-002", "gemini-1.5-pro"),
        ("gemini-1.5-flash-8b-001", "gemini-1.5-flash-8b"),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        // Never guessed: another model in the same family, an experiment, a fine-tune, an unknown name.
        ("gpt-4o-audio-preview", nil),
        ("gpt-4o-audio-preview-2024-12-17", nil),
        ("chatgpt-4o-latest", nil),
        ("gemini-2.0-flash-exp", nil),
        ("gemini-2.5-pro-exp-03-25", nil),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", nil),
        ("gpt-4", nil),
        ("claude-sonnet-4-6", nil),
        ("my-model", nil),
        ("", nil),
        ("-20250101", nil),
        ("@x", nil),
    ]

    @Test("Dated, aliased and versioned names find their base model's price; others find none", arguments: resolutions)
    func resolves(model: String, expected: String?) {
        #expect(Self.book.price(for: model)?.model == expected)
    }

    @Test("An operator's price replaces the built-in one, and a new model can be priced, dated names included")
    func overrides() {
        let now = Date(timeIntervalSince1970: 0)
        let book = PriceBook(overrides: [
            TokenPrice(id: UUID(), model: "gpt-4o", inputPerMillion: 1, cachedInputPerMillion: nil, outputPerMillion: 2, createdAt: now, updatedAt: now),
            TokenPrice(id: UUID(), model: "acme-large", inputPerMillion: 3, cachedInputPerMillion: 1, outputPerMillion: 4, createdAt: now, updatedAt: now),
        ])
        #expect(book.price(for: "gpt-4o-2024-08-06")?.inputPerMillion == 1)
        #expect(book.price(for: "gpt-4o-2024-08-06")?.builtIn == false)
        #expect(book.price(for: "acme-large-20260101")?.model == "acme-large")
        #expect(book.prices.filter { $0.model == "gpt-4o" }.count == 1)
        #expect(book.prices.count == BuiltInTokenPrices.all.count + 1)
        #expect(book.prices.map(\.model) == book.prices.map(\.model).sorted())
    }

    static func usage(_ input: Int?, _ output: Int?, cached: Int? = nil, reasoning: Int? = nil) -> UsageReport {
        UsageReport(inputTokens: input, outputTokens: output, cachedInputTokens: cached, reasoningTokens: reasoning)
    }

    /// model, usage, expected cost in nanodollars (worked out by hand from the per-million prices).
    static let costs: [(String, UsageReport, Int64?)] = [
        // gpt-4o: 2.50 in, 1.25 cached, 10.00 out. 1000 × 2.5 + 500 × 10 = 7,500 µUSD... in nano: 2,500,000 + 5,000,000.
        ("gpt-4o", usage(1000, 500), 7_500_000),
        // 82 × 2.5k + 17 × 10k nano.
        ("gpt-4o-2024-08-06", usage(82, 17), 375_000),
        // (2006 − 1920) × 2500 + 1920 × 1250 + 300 × 10000.
        ("gpt-4o", usage(2006, 300, cached: 1920, reasoning: 192), 215_000 + 2_400_000 + 3_000_000),
        // gpt-4o-mini: 0.15 / 0.075 / 0.60 — the fractional per-token prices still give whole nanodollars here.
        ("gpt-4o-mini", usage(1_000_000, 1_000_000, cached: 500_000), 75_000_000 + 37_500_000 + 600_000_000),
        ("gpt-4o-mini", usage(1, 1), 150 + 600),
        // Rounded once to the nearest nanodollar: 1 × 18.75 nano.
        ("gemini-1.5-flash", usage(1, 0, cached: 1), 19),
        // gpt-5-nano cached input: 5 nano a token.
        ("gpt-5-nano", usage(10, 0, cached: 10), 50),
        // Anthropic: cache reads at the cached price, the rest (cache writes included) at the input price.
        ("claude-sonnet-4-5-20250929", usage(4020, 150, cached: 3000), 1020 * 3000 + 3000 * 300 + 150 * 15000),
        // Gemini: output already holds the thinking tokens.
        ("gemini-2.5-flash", usage(61, 79, reasoning: 55), 61 * 300 + 79 * 2500),
        // No cached price: cached tokens are charged as input.
        ("gemini-2.0-flash-lite", usage(100, 10, cached: 50), 100 * 75 + 10 * 300),
        // More cached than input (a provider's inconsistency) never charges below zero.
        ("gpt-4o", usage(10, 0, cached: 50), 10 * 1250),
        // Unknown counts are zero tokens.
        ("gpt-4o", usage(nil, 3), 30_000),
        ("gpt-4o", usage(0, 0), 0),
        // Unpriced models cost nothing known.
        ("my-model", usage(10, 10), nil),
    ]

    @Test("Cost = uncached input, cached input and output, each at its price per million", arguments: costs)
    func cost(model: String, usage: UsageReport, expected: Int64?) {
        #expect(Self.book.cost(of: usage, model: model)?.nanodollars == expected)
    }

    @Test("No usage or no model: no cost")
    func noCost() {
        #expect(Self.book.cost(of: nil, model: "gpt-4o") == nil)
        #expect(Self.book.cost(of: Self.usage(1, 1), model: nil) == nil)
    }

    @Test("Dollar amounts print exactly, with no trailing zeros", arguments: [
        (Int64(0), "0"), (1, "0.000000001"), (375_000, "0.000375"), (7_500_000, "0.0075"), (1_000_000_000, "1"),
        (12_345_678_901, "12.345678901"), (-500_000_000, "-0.5"),
    ])
    func amounts(nanos: Int64, text: String) {
        #expect(USDAmount(nanodollars: nanos).description == text)
        #expect(USDAmount(nanodollars: nanos).json == .number(text))
    }

    @Test("Sums of amounts are exact where sums of doubles are not")
    func exactSums() {
        var sum = USDAmount.zero
        var double = 0.0
        for _ in 0..<10 {
            sum = sum + USDAmount(dollars: 0.1)!
            double += 0.1
        }
        #expect(sum == USDAmount(nanodollars: 1_000_000_000))
        #expect(double != 1.0)
        #expect(USDAmount(dollars: .infinity) == nil)
        #expect(USDAmount(dollars: .nan) == nil)
    }

    @Test("Built-in prices: every model once, valid, with a source and a stable id")
    func builtIns() {
        let all = BuiltInTokenPrices.all
        #expect(Set(all.map(\.model)).count == all.count)
        #expect(Set(all.map(\.id)).count == all.count)
        for price in all {
            #expect(TokenPrice.modelNameProblem(price.model) == nil, "\(price.model)")
            for value in [price.inputPerMillion, price.outputPerMillion] + [price.cachedInputPerMillion].compactMap({ $0 }) {
                #expect(TokenPrice.priceProblem(value) == nil, "\(price.model)")
            }
            #expect(price.builtIn)
            #expect(price.source?.hasPrefix("https://") == true, "\(price.model)")
            #expect(price.source?.contains("as published by the provider") == true, "\(price.model)")
            #expect(BuiltInTokenPrices.id(for: price.model) == price.id)
            #expect(price.id.uuidString.lowercased().dropFirst(14).first == "8", "an RFC 9562 version 8 id")
        }
        // The id is part of the API: it must not change between releases.
        #expect(BuiltInTokenPrices.id(for: "gpt-4o") == BuiltInTokenPrices.id(for: "gpt-4o"))
        #expect(BuiltInTokenPrices.id(for: "gpt-4o") != BuiltInTokenPrices.id(for: "gpt-4o-mini"))
    }

    @Test("Model names and prices are validated", arguments: [
        ("gpt-4o", true), ("claude-3-5-sonnet@20240620", true), ("ft:gpt-4o-mini:acme::x1", true), ("models/gemini-2.5-pro", true),
        ("accounts/fireworks/models/llama-v3p1-8b+x", true), ("", false), ("-gpt", false), (" gpt-4o", false), ("gpt 4o", false),
        ("gpt-4o\n", false), ("gpt-4o'; DROP TABLE x;--", false), ("ünïcode", false), (String(repeating: "a", count: 201), false),
        (String(repeating: "a", count: 200), true),
    ])
    func modelNames(name: String, valid: Bool) {
        #expect((TokenPrice.modelNameProblem(name) == nil) == valid)
    }

    @Test("Prices must be finite and not negative", arguments: [
        (0.0, true), (2.5, true), (100_000.0, true), (-0.01, false), (Double.infinity, false), (Double.nan, false), (100_000.5, false),
    ])
    func prices(value: Double, valid: Bool) {
        #expect((TokenPrice.priceProblem(value) == nil) == valid)
    }

    @Test("An interaction's usage reads back from its stored form exactly")
    func storedUsage() throws {
        let usage = InteractionUsage(
            tokens: Self.usage(2006, 300, cached: 1920, reasoning: 192), cost: USDAmount(nanodollars: 5_615_000),
            timeToFirstTokenMs: 412.5,
            dualLlm: DualLLMUsage(provider: .anthropic, model: "claude-haiku-4-5", calls: 3, tokens: Self.usage(900, 30), cost: nil)
        )
        let text = JSONWriter.string(usage.json)
        #expect(InteractionUsage(json: try JSONParser.parse(text)) == usage)
        let sparse = InteractionUsage(tokens: Self.usage(nil, 5))
        #expect(InteractionUsage(json: try JSONParser.parse(JSONWriter.string(sparse.json))) == sparse)
        #expect(InteractionUsage(json: .string("x")) == nil)
        #expect(InteractionUsage().isEmpty)
    }
}
