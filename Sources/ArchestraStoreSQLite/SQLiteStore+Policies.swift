import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    static let trustedDataColumns =
        "p.id, p.tool_id, p.description, p.attribute_path, p.operator, p.value, p.action, p.created_at, p.updated_at"
    static let invocationColumns =
        "p.id, p.tool_id, p.argument_name, p.operator, p.value, p.action, p.reason, p.created_at, p.updated_at"

    static func trustedDataPolicy(from row: SQLiteRow) throws -> TrustedDataPolicy {
        guard let op = PolicyOperator(rawValue: try row.text("operator")),
            let action = TrustedDataAction(rawValue: try row.text("action"))
        else { throw StoreError.corrupt("unknown operator or action in trusted_data_policies") }
        return TrustedDataPolicy(
            id: try row.uuid("id"), toolId: try row.uuid("tool_id"), description: try row.text("description"),
            attributePath: try row.text("attribute_path"), op: op, value: try row.text("value"), action: action,
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }

    static func invocationPolicy(from row: SQLiteRow) throws -> ToolInvocationPolicy {
        guard let op = PolicyOperator(rawValue: try row.text("operator")),
            let action = ToolInvocationAction(rawValue: try row.text("action"))
        else { throw StoreError.corrupt("unknown operator or action in tool_invocation_policies") }
        return ToolInvocationPolicy(
            id: try row.uuid("id"), toolId: try row.uuid("tool_id"), argumentName: try row.text("argument_name"), op: op,
            value: try row.text("value"), action: action, reason: row.optionalText("reason"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }

    /// `WHERE` clause and binds for the toolId/agentId filters of policy lists.
    private static func policyFilter(toolId: UUID?, agentId: UUID?) -> (String, [SQLiteData]) {
        var clauses: [String] = []
        var binds: [SQLiteData] = []
        if let toolId {
            clauses.append("p.tool_id = ?")
            binds.append(.uuid(toolId))
        }
        if let agentId {
            clauses.append("t.agent_id = ?")
            binds.append(.uuid(agentId))
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), binds)
    }

    public func insertTrustedDataPolicy(_ policy: TrustedDataPolicy) async throws {
        try await run(
            """
            INSERT INTO trusted_data_policies (id, tool_id, description, attribute_path, operator, value, action, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .uuid(policy.id), .uuid(policy.toolId), .text(policy.description), .text(policy.attributePath),
                .text(policy.op.rawValue), .text(policy.value), .text(policy.action.rawValue), .date(policy.createdAt),
                .date(policy.updatedAt),
            ]
        )
    }

    public func updateTrustedDataPolicy(_ policy: TrustedDataPolicy) async throws -> Bool {
        !(try await run(
            """
            UPDATE trusted_data_policies SET tool_id = ?, description = ?, attribute_path = ?, operator = ?, value = ?,
                action = ?, updated_at = ? WHERE id = ? RETURNING id
            """,
            [
                .uuid(policy.toolId), .text(policy.description), .text(policy.attributePath), .text(policy.op.rawValue),
                .text(policy.value), .text(policy.action.rawValue), .date(policy.updatedAt), .uuid(policy.id),
            ]
        )).isEmpty
    }

    public func deleteTrustedDataPolicy(id: UUID) async throws -> Bool {
        !(try await run("DELETE FROM trusted_data_policies WHERE id = ? RETURNING id", [.uuid(id)])).isEmpty
    }

    public func trustedDataPolicy(id: UUID) async throws -> TrustedDataPolicy? {
        try await run("SELECT \(Self.trustedDataColumns) FROM trusted_data_policies p WHERE p.id = ?", [.uuid(id)])
            .first.map(Self.trustedDataPolicy)
    }

    public func listTrustedDataPolicies(toolId: UUID?, agentId: UUID?) async throws -> [TrustedDataPolicy] {
        let (filter, binds) = Self.policyFilter(toolId: toolId, agentId: agentId)
        return try await run(
            "SELECT \(Self.trustedDataColumns) FROM trusted_data_policies p JOIN tools t ON t.id = p.tool_id\(filter) ORDER BY p.created_at DESC, p.id DESC",
            binds
        ).map(Self.trustedDataPolicy)
    }

    public func insertToolInvocationPolicy(_ policy: ToolInvocationPolicy) async throws {
        try await run(
            """
            INSERT INTO tool_invocation_policies (id, tool_id, argument_name, operator, value, action, reason, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .uuid(policy.id), .uuid(policy.toolId), .text(policy.argumentName), .text(policy.op.rawValue),
                .text(policy.value), .text(policy.action.rawValue), .optionalText(policy.reason), .date(policy.createdAt),
                .date(policy.updatedAt),
            ]
        )
    }

    public func updateToolInvocationPolicy(_ policy: ToolInvocationPolicy) async throws -> Bool {
        !(try await run(
            """
            UPDATE tool_invocation_policies SET tool_id = ?, argument_name = ?, operator = ?, value = ?, action = ?,
                reason = ?, updated_at = ? WHERE id = ? RETURNING id
            """,
            [
                .uuid(policy.toolId), .text(policy.argumentName), .text(policy.op.rawValue), .text(policy.value),
                .text(policy.action.rawValue), .optionalText(policy.reason), .date(policy.updatedAt), .uuid(policy.id),
            ]
        )).isEmpty
    }

    public func deleteToolInvocationPolicy(id: UUID) async throws -> Bool {
        !(try await run("DELETE FROM tool_invocation_policies WHERE id = ? RETURNING id", [.uuid(id)])).isEmpty
    }

    public func toolInvocationPolicy(id: UUID) async throws -> ToolInvocationPolicy? {
        try await run("SELECT \(Self.invocationColumns) FROM tool_invocation_policies p WHERE p.id = ?", [.uuid(id)])
            .first.map(Self.invocationPolicy)
    }

    public func listToolInvocationPolicies(toolId: UUID?, agentId: UUID?) async throws -> [ToolInvocationPolicy] {
        let (filter, binds) = Self.policyFilter(toolId: toolId, agentId: agentId)
        return try await run(
            "SELECT \(Self.invocationColumns) FROM tool_invocation_policies p JOIN tools t ON t.id = p.tool_id\(filter) ORDER BY p.created_at DESC, p.id DESC",
            binds
        ).map(Self.invocationPolicy)
    }
}
