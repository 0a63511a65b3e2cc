import ArchestraCore
import Foundation

/// Counts per five minutes, agent, endpoint and model, kept up to date with every batch of interactions, so
/// overviews and usage read a few rows per bucket instead of scanning millions of interactions. Five minutes is
/// fine enough for a chart of the last hour and coarse enough that a week is at most 2,016 rows per series.
public struct InteractionRollup: Sendable, Hashable {
    public var bucket: Date
    public var agentId: UUID
    public var type: String
    /// Empty when the interaction had no model.
    public var model: String
    public var requests = 0
    public var errors = 0
    public var refusals = 0
    public var tainted = 0
    public var blockedResults = 0
    public var dualLlmResults = 0
    /// Tokens of every kind the calls reported (kinds not reported count as zero).
    public var inputTokens = 0
    public var outputTokens = 0
    public var cachedInputTokens = 0
    public var reasoningTokens = 0
    /// What the priced calls cost, in whole nanodollars.
    public var costNanoUsd: Int64 = 0
    /// Calls that reported usage for a model without a price: their tokens are counted, their cost is not.
    public var unpriced = 0

    public init(bucket: Date, agentId: UUID, type: String, model: String) {
        self.bucket = bucket
        self.agentId = agentId
        self.type = type
        self.model = model
    }

    /// The length of a bucket.
    public static let bucketSeconds: TimeInterval = 300

    /// The bucket a time falls in.
    public static func bucket(of date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / bucketSeconds).rounded(.down) * bucketSeconds)
    }

    /// The `type` of the rows that count Dual LLM calls. They are keyed by the Dual LLM's model, so spend per
    /// model is right; they count tokens and cost only (every request counter stays zero), so request totals stay
    /// the interactions' own.
    public static let dualLLMType = "dualLlm"

    /// Whether this row counts Dual LLM calls rather than interactions.
    public var isDualLLM: Bool { type == Self.dualLLMType }

    /// The rollups of a batch: one per (bucket, agent, type, model).
    public static func aggregate(_ interactions: [Interaction]) -> [InteractionRollup] {
        var rollups: [Key: InteractionRollup] = [:]
        var order: [Key] = []
        func update(_ key: Key, _ change: (inout InteractionRollup) -> Void) {
            var rollup = rollups[key] ?? {
                order.append(key)
                return InteractionRollup(bucket: key.bucket, agentId: key.agentId, type: key.type, model: key.model)
            }()
            change(&rollup)
            rollups[key] = rollup
        }
        for interaction in interactions {
            let bucket = bucket(of: interaction.createdAt)
            let key = Key(bucket: bucket, agentId: interaction.agentId, type: interaction.type, model: interaction.model ?? "")
            update(key) { rollup in
                rollup.requests += 1
                if interaction.statusCode >= 400 { rollup.errors += 1 }
                if let summary = interaction.summary {
                    if summary.refused { rollup.refusals += 1 }
                    if summary.tainted { rollup.tainted += 1 }
                    rollup.blockedResults += summary.blockedResults
                    rollup.dualLlmResults += summary.dualLlmResults
                }
                if let tokens = interaction.usage?.tokens {
                    rollup.count(tokens, cost: interaction.usage?.cost, calls: 1)
                }
            }
            if let dual = interaction.usage?.dualLlm {
                update(Key(bucket: bucket, agentId: interaction.agentId, type: dualLLMType, model: dual.model)) { rollup in
                    rollup.count(dual.tokens, cost: dual.cost, calls: max(dual.calls, 1))
                }
            }
        }
        return order.map { rollups[$0]! }
    }

    /// Adds reported tokens and their cost; `calls` calls without a price are counted as unpriced.
    mutating func count(_ tokens: UsageReport, cost: USDAmount?, calls: Int) {
        inputTokens += tokens.inputTokens ?? 0
        outputTokens += tokens.outputTokens ?? 0
        cachedInputTokens += tokens.cachedInputTokens ?? 0
        reasoningTokens += tokens.reasoningTokens ?? 0
        if let cost { costNanoUsd += cost.nanodollars } else { unpriced += calls }
    }

    private struct Key: Hashable {
        var bucket: Date
        var agentId: UUID
        var type: String
        var model: String
    }

    static let counters = [
        "requests", "errors", "refusals", "tainted", "blocked_results", "dual_llm_results", "input_tokens", "output_tokens",
        "cached_input_tokens", "reasoning_tokens", "cost_nano_usd", "unpriced",
    ]

    /// Adds a batch's rollups to the stored ones (one statement, the same on both engines).
    public static func upsert(_ rollups: [InteractionRollup]) -> SQLStatement? {
        guard !rollups.isEmpty else { return nil }
        var statement = SQLStatement("INSERT INTO interaction_rollups (bucket, agent_id, type, model, \(counters.joined(separator: ", "))) VALUES ")
        for (index, rollup) in rollups.enumerated() {
            statement.append(index == 0 ? "(" : ", (")
            statement.bindList([
                .date(rollup.bucket), .uuid(rollup.agentId), .text(rollup.type), .text(rollup.model), .integer(rollup.requests),
                .integer(rollup.errors), .integer(rollup.refusals), .integer(rollup.tainted), .integer(rollup.blockedResults),
                .integer(rollup.dualLlmResults), .integer(rollup.inputTokens), .integer(rollup.outputTokens),
                .integer(rollup.cachedInputTokens), .integer(rollup.reasoningTokens), .integer(Int(rollup.costNanoUsd)),
                .integer(rollup.unpriced),
            ])
            statement.append(")")
        }
        let updates = counters.map { "\($0) = interaction_rollups.\($0) + excluded.\($0)" }.joined(separator: ", ")
        statement.append(" ON CONFLICT (bucket, agent_id, type, model) DO UPDATE SET \(updates)")
        return statement
    }
}

extension Interaction {
    /// The usage as stored JSON text; nil when there is none.
    public var storedUsage: String? { usage.map { JSONWriter.string($0.json) } }

    /// Reads stored usage JSON text.
    public static func usage(fromStored text: String?) -> InteractionUsage? {
        guard let text, let value = try? JSONParser.parse(text) else { return nil }
        return InteractionUsage(json: value)
    }

    /// The summary as stored JSON text, and the lowercased text free-text search reads.
    public var storedSummary: (json: String?, searchText: String?) {
        guard let summary else { return (nil, nil) }
        return (JSONWriter.string(summary.json), summary.searchText(model: model))
    }
}
