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

    /// The rollups of a batch: one per (bucket, agent, type, model).
    public static func aggregate(_ interactions: [Interaction]) -> [InteractionRollup] {
        var rollups: [Key: InteractionRollup] = [:]
        var order: [Key] = []
        for interaction in interactions {
            let key = Key(bucket: bucket(of: interaction.createdAt), agentId: interaction.agentId, type: interaction.type, model: interaction.model ?? "")
            var rollup = rollups[key] ?? {
                order.append(key)
                return InteractionRollup(bucket: key.bucket, agentId: key.agentId, type: key.type, model: key.model)
            }()
            rollup.requests += 1
            if interaction.statusCode >= 400 { rollup.errors += 1 }
            if let summary = interaction.summary {
                if summary.refused { rollup.refusals += 1 }
                if summary.tainted { rollup.tainted += 1 }
                rollup.blockedResults += summary.blockedResults
                rollup.dualLlmResults += summary.dualLlmResults
            }
            rollups[key] = rollup
        }
        return order.map { rollups[$0]! }
    }

    private struct Key: Hashable {
        var bucket: Date
        var agentId: UUID
        var type: String
        var model: String
    }

    static let counters = ["requests", "errors", "refusals", "tainted", "blocked_results", "dual_llm_results"]

    /// Adds a batch's rollups to the stored ones (one statement, the same on both engines).
    public static func upsert(_ rollups: [InteractionRollup]) -> SQLStatement? {
        guard !rollups.isEmpty else { return nil }
        var statement = SQLStatement("INSERT INTO interaction_rollups (bucket, agent_id, type, model, \(counters.joined(separator: ", "))) VALUES ")
        for (index, rollup) in rollups.enumerated() {
            statement.append(index == 0 ? "(" : ", (")
            statement.bindList([
                .date(rollup.bucket), .uuid(rollup.agentId), .text(rollup.type), .text(rollup.model), .integer(rollup.requests),
                .integer(rollup.errors), .integer(rollup.refusals), .integer(rollup.tainted), .integer(rollup.blockedResults),
                .integer(rollup.dualLlmResults),
            ])
            statement.append(")")
        }
        let updates = counters.map { "\($0) = interaction_rollups.\($0) + excluded.\($0)" }.joined(separator: ", ")
        statement.append(" ON CONFLICT (bucket, agent_id, type, model) DO UPDATE SET \(updates)")
        return statement
    }
}

extension Interaction {
    /// The summary as stored JSON text, and the lowercased text free-text search reads.
    public var storedSummary: (json: String?, searchText: String?) {
        guard let summary else { return (nil, nil) }
        return (JSONWriter.string(summary.json), summary.searchText(model: model))
    }
}
