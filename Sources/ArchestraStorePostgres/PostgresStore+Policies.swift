import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    static let trustedDataColumns =
        "p.id, p.tool_id, p.description, p.attribute_path, p.operator, p.value, p.action, p.created_at, p.updated_at"
    static let invocationColumns =
        "p.id, p.tool_id, p.argument_name, p.operator, p.value, p.action, p.reason, p.created_at, p.updated_at"

    static func trustedDataPolicy(from row: PostgresRow) throws -> TrustedDataPolicy {
        let columns = row.makeRandomAccess()
        guard let op = PolicyOperator(rawValue: try columns["operator"].decode(String.self)),
            let action = TrustedDataAction(rawValue: try columns["action"].decode(String.self))
        else { throw StoreError.corrupt("unknown operator or action in trusted_data_policies") }
        return TrustedDataPolicy(
            id: try columns["id"].decode(UUID.self), toolId: try columns["tool_id"].decode(UUID.self),
            description: try columns["description"].decode(String.self),
            attributePath: try columns["attribute_path"].decode(String.self), op: op,
            value: try columns["value"].decode(String.self), action: action,
            createdAt: try columns["created_at"].decode(Date.self), updatedAt: try columns["updated_at"].decode(Date.self)
        )
    }

    static func invocationPolicy(from row: PostgresRow) throws -> ToolInvocationPolicy {
        let columns = row.makeRandomAccess()
        guard let op = PolicyOperator(rawValue: try columns["operator"].decode(String.self)),
            let action = ToolInvocationAction(rawValue: try columns["action"].decode(String.self))
        else { throw StoreError.corrupt("unknown operator or action in tool_invocation_policies") }
        return ToolInvocationPolicy(
            id: try columns["id"].decode(UUID.self), toolId: try columns["tool_id"].decode(UUID.self),
            argumentName: try columns["argument_name"].decode(String.self), op: op,
            value: try columns["value"].decode(String.self), action: action,
            reason: try columns["reason"].decode(String?.self),
            createdAt: try columns["created_at"].decode(Date.self), updatedAt: try columns["updated_at"].decode(Date.self)
        )
    }

    /// A policy list query with the toolId/agentId filters bound as parameters.
    private static func listQuery(table: String, columns: String, toolId: UUID?, agentId: UUID?) -> PostgresQuery {
        var bindings = PostgresBindings()
        var clauses: [String] = []
        if let toolId {
            bindings.append(toolId)
            clauses.append("p.tool_id = $\(bindings.count)")
        }
        if let agentId {
            bindings.append(agentId)
            clauses.append("t.agent_id = $\(bindings.count)")
        }
        let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return PostgresQuery(
            unsafeSQL: "SELECT \(columns) FROM \(table) p JOIN tools t ON t.id = p.tool_id\(filter) ORDER BY p.created_at DESC, p.id DESC",
            binds: bindings
        )
    }

    public func insertTrustedDataPolicy(_ policy: TrustedDataPolicy) async throws {
        try await query(
            """
            INSERT INTO trusted_data_policies (id, tool_id, description, attribute_path, operator, value, action, created_at, updated_at)
            VALUES (\(policy.id), \(policy.toolId), \(policy.description), \(policy.attributePath), \(policy.op.rawValue),
                \(policy.value), \(policy.action.rawValue), \(policy.createdAt), \(policy.updatedAt))
            """
        )
    }

    public func updateTrustedDataPolicy(_ policy: TrustedDataPolicy) async throws -> Bool {
        !(try await query(
            """
            UPDATE trusted_data_policies SET tool_id = \(policy.toolId), description = \(policy.description),
                attribute_path = \(policy.attributePath), operator = \(policy.op.rawValue), value = \(policy.value),
                action = \(policy.action.rawValue), updated_at = \(policy.updatedAt)
            WHERE id = \(policy.id) RETURNING id
            """
        )).isEmpty
    }

    public func deleteTrustedDataPolicy(id: UUID) async throws -> Bool {
        !(try await query("DELETE FROM trusted_data_policies WHERE id = \(id) RETURNING id")).isEmpty
    }

    public func trustedDataPolicy(id: UUID) async throws -> TrustedDataPolicy? {
        try await query("SELECT \(unescaped: Self.trustedDataColumns) FROM trusted_data_policies p WHERE p.id = \(id)")
            .first.map(Self.trustedDataPolicy)
    }

    public func listTrustedDataPolicies(toolId: UUID?, agentId: UUID?) async throws -> [TrustedDataPolicy] {
        try await query(Self.listQuery(table: "trusted_data_policies", columns: Self.trustedDataColumns, toolId: toolId, agentId: agentId))
            .map(Self.trustedDataPolicy)
    }

    public func insertToolInvocationPolicy(_ policy: ToolInvocationPolicy) async throws {
        try await query(
            """
            INSERT INTO tool_invocation_policies (id, tool_id, argument_name, operator, value, action, reason, created_at, updated_at)
            VALUES (\(policy.id), \(policy.toolId), \(policy.argumentName), \(policy.op.rawValue), \(policy.value),
                \(policy.action.rawValue), \(policy.reason), \(policy.createdAt), \(policy.updatedAt))
            """
        )
    }

    public func updateToolInvocationPolicy(_ policy: ToolInvocationPolicy) async throws -> Bool {
        !(try await query(
            """
            UPDATE tool_invocation_policies SET tool_id = \(policy.toolId), argument_name = \(policy.argumentName),
                operator = \(policy.op.rawValue), value = \(policy.value), action = \(policy.action.rawValue),
                reason = \(policy.reason), updated_at = \(policy.updatedAt)
            WHERE id = \(policy.id) RETURNING id
            """
        )).isEmpty
    }

    public func deleteToolInvocationPolicy(id: UUID) async throws -> Bool {
        !(try await query("DELETE FROM tool_invocation_policies WHERE id = \(id) RETURNING id")).isEmpty
    }

    public func toolInvocationPolicy(id: UUID) async throws -> ToolInvocationPolicy? {
        try await query("SELECT \(unescaped: Self.invocationColumns) FROM tool_invocation_policies p WHERE p.id = \(id)")
            .first.map(Self.invocationPolicy)
    }

    public func listToolInvocationPolicies(toolId: UUID?, agentId: UUID?) async throws -> [ToolInvocationPolicy] {
        try await query(Self.listQuery(table: "tool_invocation_policies", columns: Self.invocationColumns, toolId: toolId, agentId: agentId))
            .map(Self.invocationPolicy)
    }
}
