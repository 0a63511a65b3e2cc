import ArchestraCore
import Foundation

/// An agent with what the agents table shows beside it.
public struct AgentOverview: Sendable, Hashable {
    public var agent: Agent
    public var tools: Int
    public var interactions: Int
    public var lastSeen: Date?
}

extension SQLDatabase {
    /// The stored rollups whose bucket falls in `from..<to`, optionally for one agent.
    public func rollups(from: Date, to: Date, agentId: UUID? = nil) async throws -> [InteractionRollup] {
        var statement = SQLStatement(
            "SELECT bucket, agent_id, type, model, \(InteractionRollup.counters.joined(separator: ", ")) FROM interaction_rollups WHERE bucket >= "
        )
        statement.bind(.date(InteractionRollup.bucket(of: from)))
        statement.append(" AND bucket < ")
        statement.bind(.date(to))
        if let agentId {
            statement.append(" AND agent_id = ")
            statement.bind(.uuid(agentId))
        }
        statement.append(" ORDER BY bucket")
        return try await execute(statement).map { row in
            var rollup = InteractionRollup(bucket: try row.date("bucket"), agentId: try row.uuid("agent_id"), type: try row.text("type"), model: try row.text("model"))
            rollup.requests = row.int("requests")
            rollup.errors = row.int("errors")
            rollup.refusals = row.int("refusals")
            rollup.tainted = row.int("tainted")
            rollup.blockedResults = row.int("blocked_results")
            rollup.dualLlmResults = row.int("dual_llm_results")
            rollup.inputTokens = row.int("input_tokens")
            rollup.outputTokens = row.int("output_tokens")
            rollup.cachedInputTokens = row.int("cached_input_tokens")
            rollup.reasoningTokens = row.int("reasoning_tokens")
            rollup.costNanoUsd = Int64(row.int("cost_nano_usd"))
            rollup.unpriced = row.int("unpriced")
            return rollup
        }
    }

    /// Every agent with its tool count, its interaction count and when it was last seen.
    public func agentOverviews() async throws -> [AgentOverview] {
        let rows = try await execute(
            """
            SELECT a.id, a.name, a.is_demo, a.created_at, a.updated_at,
                (SELECT COUNT(*) FROM tools t WHERE t.agent_id = a.id) AS tools,
                (SELECT COALESCE(SUM(r.requests), 0) FROM interaction_rollups r WHERE r.agent_id = a.id) AS interactions,
                (SELECT MAX(i.created_at) FROM interactions i WHERE i.agent_id = a.id) AS last_seen
            FROM agents a ORDER BY a.created_at, a.id
            """
        )
        return try rows.map { row in
            AgentOverview(
                agent: Agent(
                    id: try row.uuid("id"), name: try row.text("name"), isDemo: row.bool("is_demo"), createdAt: try row.date("created_at"),
                    updatedAt: try row.date("updated_at")
                ),
                tools: row.int("tools"), interactions: row.int("interactions"), lastSeen: row.optionalDate("last_seen")
            )
        }
    }
}

extension Array where Element == InteractionRollup {
    /// The rollups summed per key (a bucket, a day, an agent, …), keys in first-seen order.
    public func totals<Key: Hashable>(by key: (InteractionRollup) -> Key) -> [(key: Key, total: InteractionRollup)] {
        var order: [Key] = []
        var sums: [Key: InteractionRollup] = [:]
        for rollup in self {
            let group = key(rollup)
            if var sum = sums[group] {
                sum.add(rollup)
                sums[group] = sum
            } else {
                order.append(group)
                sums[group] = rollup
            }
        }
        return order.map { ($0, sums[$0]!) }
    }

    /// Everything summed.
    public var total: InteractionRollup? {
        guard var sum = first else { return nil }
        for rollup in dropFirst() { sum.add(rollup) }
        return sum
    }
}

extension InteractionRollup {
    mutating func add(_ other: InteractionRollup) {
        requests += other.requests
        errors += other.errors
        refusals += other.refusals
        tainted += other.tainted
        blockedResults += other.blockedResults
        dualLlmResults += other.dualLlmResults
        inputTokens += other.inputTokens
        outputTokens += other.outputTokens
        cachedInputTokens += other.cachedInputTokens
        reasoningTokens += other.reasoningTokens
        costNanoUsd += other.costNanoUsd
        unpriced += other.unpriced
    }
}
