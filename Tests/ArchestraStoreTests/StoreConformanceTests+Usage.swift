import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension StoreConformanceTests {
    static func used(
        agentId: UUID, at created: Date, model: String = "gpt-4o", status: Int = 200, refused: Bool = false,
        tokens: UsageReport?, nanos: Int64?, dual: DualLLMUsage? = nil
    ) -> Interaction {
        var row = makeInteraction(agentId: agentId, at: created, model: model, statusCode: status)
        row.summary = InteractionSummary(
            userText: "u", replyText: "r", toolCalls: [], tainted: false, refused: refused, trustedResults: 0, untrustedResults: 0,
            blockedResults: 0, dualLlmResults: dual == nil ? 0 : 1
        )
        row.usage = InteractionUsage(tokens: tokens, cost: nanos.map(USDAmount.init(nanodollars:)), dualLlm: dual)
        return row
    }

    static func tokens(_ input: Int?, _ output: Int?, cached: Int? = nil, reasoning: Int? = nil) -> UsageReport {
        UsageReport(inputTokens: input, outputTokens: output, cachedInputTokens: cached, reasoningTokens: reasoning)
    }

    @Test("An interaction's usage is stored with it and read back exactly; older records have none", arguments: StoreEngine.allCases)
    func usageRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Spender", at: at(0))
            try await store.insertAgent(agent)
            var full = Self.used(
                agentId: agent.id, at: at(1), tokens: Self.tokens(2006, 300, cached: 1920, reasoning: 192), nanos: 5_615_000,
                dual: DualLLMUsage(provider: .openai, model: "gpt-4o-mini", calls: 3, tokens: Self.tokens(900, 12), cost: USDAmount(nanodollars: 142_200))
            )
            full.usage?.timeToFirstTokenMs = 412.123456789
            let unpriced = Self.used(agentId: agent.id, at: at(2), model: "my-model", tokens: Self.tokens(5, nil), nanos: nil)
            let none = makeInteraction(agentId: agent.id, at: at(3))
            try await store.insertInteractions([full, unpriced, none])

            #expect(try await store.interaction(id: full.id)?.usage == full.usage)
            #expect(try await store.interaction(id: unpriced.id)?.usage == unpriced.usage)
            #expect(try await store.interaction(id: none.id)?.usage == nil)
            let listed = try await store.listInteractions(InteractionQuery(limit: 10, ascending: true))
            #expect(listed.rows.map(\.usage) == [full.usage, unpriced.usage, nil])
        }
    }

    @Test("Rollups add tokens and cost exactly; Dual LLM calls count under their own model; unpriced calls are counted",
          arguments: StoreEngine.allCases)
    func usageRollups(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha", at: at(0))
            let beta = makeAgent("Beta", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }
            let hour: Int64 = 3_600_000
            let base = (at(0).wholeMillis / hour + 1) * hour
            let dual = DualLLMUsage(provider: .openai, model: "gpt-4o-mini", calls: 2, tokens: Self.tokens(1000, 20), cost: USDAmount(nanodollars: 162_000))
            // Costs chosen so that a sum of doubles would drift (0.1 + 0.2 …); the nanodollar sums may not.
            let rows = [
                Self.used(agentId: alpha.id, at: instant(base + 5), tokens: Self.tokens(100, 10, cached: 40, reasoning: 2), nanos: 100_000_000),
                Self.used(agentId: alpha.id, at: instant(base + 6), refused: true, tokens: Self.tokens(200, 20), nanos: 200_000_000, dual: dual),
                Self.used(agentId: alpha.id, at: instant(base + hour + 7), status: 502, tokens: nil, nanos: nil),
                Self.used(agentId: alpha.id, at: instant(base + hour + 8), model: "my-model", tokens: Self.tokens(7, 3), nanos: nil),
                Self.used(agentId: beta.id, at: instant(base + 26 * hour), model: "claude-sonnet-4-5", tokens: Self.tokens(4020, 150, cached: 3000), nanos: 6_210_000),
            ]
            try await store.insertInteractions(Array(rows.prefix(2)))
            try await store.insertInteractions(Array(rows.dropFirst(2)))
            // A batch written again after an unclear failure is not counted twice.
            try await store.insertInteractions([rows[0]])

            let from = instant(base - hour)
            let to = instant(base + 48 * hour)
            let byModel = try await store.usageTotals(from: from, to: to, agentId: nil, groupedBy: .model)
            func row(_ key: String, dual: Bool = false) -> UsageTotals? { byModel.first { $0.key == key && $0.dualLLM == dual }?.totals }
            let gpt4o = try #require(row("gpt-4o"))
            #expect([gpt4o.requests, gpt4o.errors, gpt4o.refusals] as [Int] == [3, 1, 1])
            #expect([gpt4o.inputTokens, gpt4o.outputTokens, gpt4o.cachedInputTokens, gpt4o.reasoningTokens] as [Int] == [300, 30, 40, 2])
            #expect(gpt4o.cost == USDAmount(nanodollars: 300_000_000))
            #expect(gpt4o.unpricedCalls == 0, "a call that reported nothing is not an unpriced call")
            let mini = try #require(row("gpt-4o-mini", dual: true))
            #expect([mini.requests, mini.inputTokens, mini.outputTokens] as [Int] == [0, 1000, 20])
            #expect(mini.cost == USDAmount(nanodollars: 162_000))
            #expect(row("gpt-4o-mini") == nil)
            #expect(row("my-model")?.unpricedCalls == 1)
            #expect(row("my-model")?.cost == .zero)
            #expect(row("claude-sonnet-4-5")?.cost == USDAmount(nanodollars: 6_210_000))

            let byAgent = try await store.usageTotals(from: from, to: to, agentId: nil, groupedBy: .agent)
            let alphaMain = try #require(byAgent.first { $0.key == alpha.id.lowercasedString && !$0.dualLLM }?.totals)
            #expect(alphaMain.requests == 4 && alphaMain.cost == USDAmount(nanodollars: 300_000_000))
            #expect(byAgent.first { $0.key == alpha.id.lowercasedString && $0.dualLLM }?.totals.cost == USDAmount(nanodollars: 162_000))

            let buckets = try await store.usageTotals(from: from, to: to, agentId: alpha.id, groupedBy: .bucket)
            #expect(buckets.map { $0.bucket?.wholeMillis } == [base, base, base + hour])
            #expect(buckets.map(\.dualLLM) == [false, true, false])
            #expect(buckets.map(\.totals.requests) == [2, 0, 2])
            #expect(buckets.allSatisfy { $0.key == Timestamp.format($0.bucket!) })

            // The window starts at the bucket holding `from` and stops before `to`.
            let window = try await store.usageTotals(from: instant(base + 4 * 60_000), to: instant(base + hour), agentId: nil, groupedBy: .model)
            #expect(window.map(\.totals.requests).reduce(0, +) == 2)
            #expect(try await store.usageTotals(from: instant(base + 2 * hour), to: instant(base + 3 * hour), agentId: nil, groupedBy: .model).isEmpty)

            let unpriced = try await store.unpricedModels(from: from, to: to, agentId: nil)
            #expect(unpriced.map(\.model) == ["my-model"] && unpriced.map(\.calls) == [1])
            #expect(try await store.unpricedModels(from: from, to: to, agentId: beta.id).isEmpty)

            // The existing counters read back as before, the new ones with them.
            let rollups = try await store.rollups(from: from, to: to, agentId: alpha.id)
            #expect(rollups.total?.requests == 4)
            #expect(rollups.total?.costNanoUsd == 300_162_000)
            #expect(rollups.filter(\.isDualLLM).map(\.model) == ["gpt-4o-mini"])
        }
    }

    static func price(_ model: String, _ input: Double, _ cached: Double?, _ output: Double, at time: Date, id: UUID = UUID()) -> TokenPrice {
        TokenPrice(
            id: id, model: model, inputPerMillion: input, cachedInputPerMillion: cached, outputPerMillion: output, source: "contract, 2026",
            createdAt: time, updatedAt: time
        )
    }

    @Test("Token prices: saved, listed by model, found by id and model, overwritten by id, unique per model, deleted",
          arguments: StoreEngine.allCases)
    func tokenPrices(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let flash = Self.price("gemini-1.5-flash", 0.075, 0.01875, 0.3, at: at(0))
            let acme = Self.price("acme-large", 3, nil, 15, at: at(1))
            let zero = Self.price("free-model", 0, 0, 0, at: at(2))
            for price in [flash, acme, zero] { try await store.saveTokenPrice(price) }

            #expect(try await store.listTokenPrices().map(\.model) == ["acme-large", "free-model", "gemini-1.5-flash"])
            let stored = try #require(try await store.tokenPrice(id: flash.id))
            #expect(stored.inputPerMillion == 0.075 && stored.cachedInputPerMillion == 0.01875 && stored.outputPerMillion == 0.3)
            #expect(stored.source == "contract, 2026" && !stored.builtIn)
            #expect(stored.createdAt.wholeMillis == flash.createdAt.wholeMillis)
            #expect(try await store.tokenPrice(id: acme.id)?.cachedInputPerMillion == nil)
            #expect(try await store.tokenPrice(model: "acme-large")?.id == acme.id)
            #expect(try await store.tokenPrice(model: "acme") == nil)
            #expect(try await store.tokenPrice(id: UUID()) == nil)

            var changed = acme
            changed.inputPerMillion = 2.5
            changed.cachedInputPerMillion = 1.25
            changed.source = nil
            changed.updatedAt = at(50)
            changed.createdAt = at(40)  // not updatable: the first creation time stays
            try await store.saveTokenPrice(changed)
            let reread = try #require(try await store.tokenPrice(id: acme.id))
            #expect(reread.inputPerMillion == 2.5 && reread.cachedInputPerMillion == 1.25 && reread.source == nil)
            #expect(reread.createdAt.wholeMillis == acme.createdAt.wholeMillis && reread.updatedAt.wholeMillis == at(50).wholeMillis)

            await #expect(throws: StoreError.self) { try await store.saveTokenPrice(Self.price("acme-large", 1, nil, 1, at: at(3))) }
            #expect(try await store.listTokenPrices().count == 3)

            #expect(try await store.deleteTokenPrice(id: zero.id))
            #expect(try await store.deleteTokenPrice(id: zero.id) == false)
            #expect(try await store.listTokenPrices().map(\.model) == ["acme-large", "gemini-1.5-flash"])
        }
    }
}
