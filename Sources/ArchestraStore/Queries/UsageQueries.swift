import ArchestraCore
import Foundation

/// Requests, tokens and cost added up over some rollup rows.
public struct UsageTotals: Sendable, Hashable {
    public var requests = 0
    public var errors = 0
    public var refusals = 0
    public var inputTokens = 0
    public var outputTokens = 0
    public var cachedInputTokens = 0
    public var reasoningTokens = 0
    public var cost = USDAmount.zero
    /// Calls whose model had no price: their tokens are counted above, their cost is not.
    public var unpricedCalls = 0

    public init() {}

    /// Both totals added.
    public mutating func add(_ other: UsageTotals) {
        requests += other.requests
        errors += other.errors
        refusals += other.refusals
        inputTokens += other.inputTokens
        outputTokens += other.outputTokens
        cachedInputTokens += other.cachedInputTokens
        reasoningTokens += other.reasoningTokens
        cost = cost + other.cost
        unpricedCalls += other.unpricedCalls
    }
}

/// What usage rows are added up by.
public enum UsageGrouping: Sendable, Hashable {
    /// The five-minute rollup bucket (callers fold buckets into hours or days).
    case bucket
    case model
    case agent
}

/// One group's totals, split into the interactions' own calls and the Dual LLM calls made for them.
public struct UsageGroupRow: Sendable, Hashable {
    /// The bucket start, the model name, or the agent id (lowercase), by grouping.
    public var key: String
    public var bucket: Date?
    public var dualLLM: Bool
    public var totals: UsageTotals
}

extension SQLDatabase {
    /// Totals over the rollups whose bucket falls in `from..<to` (the bucket holding `from` included), optionally
    /// for one agent, per group and per kind of call. Reads the rollups only: one indexed range, however many
    /// interactions there were.
    public func usageTotals(from: Date, to: Date, agentId: UUID?, groupedBy grouping: UsageGrouping) async throws -> [UsageGroupRow] {
        let column = switch grouping {
        case .bucket: "bucket"
        case .model: "model"
        case .agent: "agent_id"
        }
        var statement = SQLStatement("SELECT \(column) AS group_key, CASE WHEN type = ")
        statement.bind(.text(InteractionRollup.dualLLMType))
        statement.append(" THEN 1 ELSE 0 END AS dual_llm")
        for counter in Self.usageCounters { statement.append(", CAST(SUM(\(counter)) AS BIGINT) AS \(counter)") }
        statement.append(" FROM interaction_rollups")
        Self.appendUsageFilter(from: from, to: to, agentId: agentId, into: &statement)
        statement.append(" GROUP BY 1, 2 ORDER BY 1, 2")
        return try await execute(statement).map { row in
            let bucket = grouping == .bucket ? try row.date("group_key") : nil
            let key: String = switch grouping {
            case .bucket: Timestamp.format(bucket!)
            case .model: try row.text("group_key")
            case .agent: try row.uuid("group_key").lowercasedString
            }
            return UsageGroupRow(key: key, bucket: bucket, dualLLM: row.int("dual_llm") == 1, totals: Self.totals(row))
        }
    }

    /// The models whose calls in `from..<to` had usage but no price, with how many such calls, by model name.
    public func unpricedModels(from: Date, to: Date, agentId: UUID?) async throws -> [(model: String, calls: Int)] {
        var statement = SQLStatement("SELECT model, CAST(SUM(unpriced) AS BIGINT) AS calls FROM interaction_rollups")
        Self.appendUsageFilter(from: from, to: to, agentId: agentId, into: &statement)
        statement.append(" AND unpriced > 0 GROUP BY model ORDER BY model")
        return try await execute(statement).map { (try $0.text("model"), $0.int("calls")) }
    }

    /// The rollup counters usage adds up (each summed into a column of the same name).
    private static var usageCounters: [String] {
        [
            "requests", "errors", "refusals", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens",
            "cost_nano_usd", "unpriced",
        ]
    }

    /// The `WHERE` clause of a usage query: the window's buckets, and the agent when one is named.
    private static func appendUsageFilter(from: Date, to: Date, agentId: UUID?, into statement: inout SQLStatement) {
        statement.append(" WHERE bucket >= ")
        statement.bind(.date(InteractionRollup.bucket(of: from)))
        statement.append(" AND bucket < ")
        statement.bind(.date(to))
        if let agentId {
            statement.append(" AND agent_id = ")
            statement.bind(.uuid(agentId))
        }
    }

    private static func totals(_ row: SQLRow) -> UsageTotals {
        var totals = UsageTotals()
        totals.requests = row.int("requests")
        totals.errors = row.int("errors")
        totals.refusals = row.int("refusals")
        totals.inputTokens = row.int("input_tokens")
        totals.outputTokens = row.int("output_tokens")
        totals.cachedInputTokens = row.int("cached_input_tokens")
        totals.reasoningTokens = row.int("reasoning_tokens")
        totals.cost = USDAmount(nanodollars: Int64(row.int("cost_nano_usd")))
        totals.unpricedCalls = row.int("unpriced")
        return totals
    }
}
