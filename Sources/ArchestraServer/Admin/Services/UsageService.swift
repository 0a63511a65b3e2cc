import ArchestraCore
import ArchestraStore
import Foundation

/// Tokens, cost, requests and refusals over a window, per day, hour, model or agent: added up from the five-minute
/// rollups the log writer keeps, never from the interactions themselves, so the answer costs the same with
/// millions of rows.
struct UsageService: Sendable {
    let context: AdminContext

    /// What to add up.
    struct Query: Sendable, Equatable {
        enum GroupBy: String, Sendable, CaseIterable { case day, hour, model, agent }

        var agentId: UUID?
        var from: Date
        var to: Date
        var groupBy: GroupBy
    }

    /// One group: everything spent for it, and the Dual LLM's part of that.
    struct Group: Sendable {
        var key: String
        var totals = UsageTotals()
        var dualLLM = UsageTotals()
    }

    /// The answer.
    struct Report: Sendable {
        var query: Query
        var groups: [Group]
        var totals: Group
        var unpriced: [(model: String, calls: Int)]
        /// Agent names by id, for groups by agent.
        var agentNames: [String: String]
    }

    /// The longest window, so an hourly report stays a few thousand groups.
    static let maxWindow: TimeInterval = 366 * 86_400
    /// The window when none is given.
    static let defaultWindow: TimeInterval = 30 * 86_400

    func report(_ query: Query) async throws -> Report {
        let grouping: UsageGrouping = switch query.groupBy {
        case .day, .hour: .bucket
        case .model: .model
        case .agent: .agent
        }
        let rows = try await context.store.usageTotals(from: query.from, to: query.to, agentId: query.agentId, groupedBy: grouping)
        var groups: [String: Group] = [:]
        var total = Group(key: "")
        for row in rows {
            let key = Self.key(of: row, groupBy: query.groupBy)
            var group = groups[key] ?? Group(key: key)
            group.totals.add(row.totals)
            total.totals.add(row.totals)
            if row.dualLLM {
                group.dualLLM.add(row.totals)
                total.dualLLM.add(row.totals)
            }
            groups[key] = group
        }
        var names: [String: String] = [:]
        if query.groupBy == .agent {
            for agent in try await context.store.listAgents() { names[agent.id.lowercasedString] = agent.name }
        }
        return Report(
            query: query, groups: Self.ordered(Array(groups.values), by: query.groupBy), totals: total,
            unpriced: try await context.store.unpricedModels(from: query.from, to: query.to, agentId: query.agentId), agentNames: names
        )
    }

    /// A row's group: its UTC day (`2026-11-30`) or hour (`2026-11-30T14:00:00.000Z`), its model or its agent.
    static func key(of row: UsageGroupRow, groupBy: Query.GroupBy) -> String {
        guard let bucket = row.bucket else { return row.key }
        let text = Timestamp.format(bucket)
        switch groupBy {
        case .day: return String(text.prefix(10))
        case .hour: return String(text.prefix(13)) + ":00:00.000Z"
        case .model, .agent: return row.key
        }
    }

    /// Periods in time order; models and agents by spend, then requests, most first.
    static func ordered(_ groups: [Group], by groupBy: Query.GroupBy) -> [Group] {
        switch groupBy {
        case .day, .hour:
            return groups.sorted { $0.key < $1.key }
        case .model, .agent:
            return groups.sorted {
                ($0.totals.cost, $0.totals.requests, $1.key) > ($1.totals.cost, $1.totals.requests, $0.key)
            }
        }
    }
}
