import ArchestraCore
import Foundation

/// The operator's usage limits and the counters instances share to enforce them together. Written once for both
/// engines; PostgreSQL's trigger announces every change of a limit (not of a counter: counters move all the time
/// and are read on a timer instead).
extension SQLDatabase {
    private static var limitColumns: String { "id, agent_id, kind, value, created_at, updated_at" }

    /// Every limit: the global ones first, then by agent and kind.
    public func listLimits(agentId: UUID? = nil) async throws -> [UsageLimit] {
        var statement = SQLStatement("SELECT \(Self.limitColumns) FROM usage_limits")
        if let agentId {
            statement.append(" WHERE scope = ")
            statement.bind(.text(LimitScope.agent(agentId).storedValue))
        }
        statement.append(" ORDER BY scope, kind, id")
        return try await execute(statement).map(Self.usageLimit)
    }

    /// The limit with this id.
    public func usageLimit(id: UUID) async throws -> UsageLimit? {
        var statement = SQLStatement("SELECT \(Self.limitColumns) FROM usage_limits WHERE id = ")
        statement.bind(.uuid(id))
        return try await execute(statement).first.map(Self.usageLimit)
    }

    /// Stores a limit, or overwrites the one with its id (creation time kept). A second limit of the same kind for
    /// the same scope is refused by the database (`StoreError.rejected`), as is an agent that does not exist.
    public func saveLimit(_ limit: UsageLimit) async throws {
        var statement = SQLStatement("INSERT INTO usage_limits (id, scope, agent_id, kind, value, created_at, updated_at) VALUES (")
        statement.bindList([
            .uuid(limit.id), .text(limit.scope.storedValue), limit.agentId.map(SQLValue.uuid) ?? .null, .text(limit.kind.rawValue),
            .double(limit.value), .date(limit.createdAt), .date(limit.updatedAt),
        ])
        statement.append(
            """
            ) ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, agent_id = excluded.agent_id, kind = excluded.kind,
            value = excluded.value, updated_at = excluded.updated_at
            """
        )
        _ = try await execute(statement)
    }

    /// Deletes a limit; false when there was none with this id.
    public func deleteLimit(id: UUID) async throws -> Bool {
        var statement = SQLStatement("DELETE FROM usage_limits WHERE id = ")
        statement.bind(.uuid(id))
        statement.append(" RETURNING id")
        return try await !execute(statement).isEmpty
    }

    /// Adds amounts to the shared counters (creating them as needed), in one statement.
    public func addToLimitCounters(_ amounts: [LimitCounterKey: Int64]) async throws {
        guard !amounts.isEmpty else { return }
        var statement = SQLStatement("INSERT INTO limit_counters (scope, kind, window_start, amount) VALUES ")
        for (index, (key, amount)) in amounts.enumerated() {
            statement.append(index == 0 ? "(" : ", (")
            statement.bindList([.text(key.scope.storedValue), .text(key.kind.rawValue), .integer(Int(key.windowStart)), .integer(Int(amount))])
            statement.append(")")
        }
        statement.append(" ON CONFLICT (scope, kind, window_start) DO UPDATE SET amount = limit_counters.amount + excluded.amount")
        _ = try await execute(statement)
    }

    /// Every counter of the windows current at `second`.
    public func currentLimitCounters(at second: Int64) async throws -> [LimitCounterKey: Int64] {
        var statement = SQLStatement("SELECT scope, kind, window_start, amount FROM limit_counters WHERE ")
        Self.appendWindows(to: &statement, comparing: "=", at: second)
        var counters: [LimitCounterKey: Int64] = [:]
        for row in try await execute(statement) {
            guard let scope = LimitScope(storedValue: try row.text("scope")), let kind = LimitKind(rawValue: try row.text("kind")) else { continue }
            counters[LimitCounterKey(scope: scope, kind: kind, windowStart: Int64(row.int("window_start")))] = Int64(row.int("amount"))
        }
        return counters
    }

    /// Deletes the counters of windows over at `second`: only the current windows are ever checked.
    public func deleteFinishedLimitCounters(before second: Int64) async throws {
        var statement = SQLStatement("DELETE FROM limit_counters WHERE ")
        Self.appendWindows(to: &statement, comparing: "<", at: second)
        _ = try await execute(statement)
    }

    /// `(kind = k AND window_start <op> start of k's window at second) OR …` for every kind.
    private static func appendWindows(to statement: inout SQLStatement, comparing operator: String, at second: Int64) {
        for (index, kind) in LimitKind.allCases.enumerated() {
            statement.append(index == 0 ? "(kind = " : " OR (kind = ")
            statement.bind(.text(kind.rawValue))
            statement.append(" AND window_start \(`operator`) ")
            statement.bind(.integer(Int(kind.window(at: second).start)))
            statement.append(")")
        }
    }

    private static func usageLimit(_ row: SQLRow) throws -> UsageLimit {
        guard let kind = LimitKind(rawValue: try row.text("kind")) else { throw StoreError.corrupt("unknown limit kind") }
        return UsageLimit(
            id: try row.uuid("id"), agentId: try? row.uuid("agent_id"), kind: kind, value: row.double("value"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }
}
