import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    static let toolColumns = """
        t.id, t.agent_id, t.name, t.parameters::text AS parameters, t.description,
        t.allow_usage_when_untrusted_data_is_present, t.data_is_trusted_by_default, t.created_at, t.updated_at
        """

    static func tool(from row: PostgresRow) throws -> Tool {
        let columns = row.makeRandomAccess()
        let parametersText = try columns["parameters"].decode(String.self)
        guard let parameters = try? JSONParser.parse(parametersText) else { throw StoreError.corrupt("bad JSON in parameters") }
        return Tool(
            id: try columns["id"].decode(UUID.self), agentId: try columns["agent_id"].decode(UUID.self),
            name: try columns["name"].decode(String.self), parameters: parameters,
            description: try columns["description"].decode(String?.self),
            allowUsageWhenUntrustedDataIsPresent: try columns["allow_usage_when_untrusted_data_is_present"].decode(Bool.self),
            dataIsTrustedByDefault: try columns["data_is_trusted_by_default"].decode(Bool.self),
            createdAt: try columns["created_at"].decode(Date.self), updatedAt: try columns["updated_at"].decode(Date.self)
        )
    }

    public func insertToolsIfAbsent(_ tools: [Tool], maxPerAgent: Int) async throws -> Int {
        guard !tools.isEmpty else { return 0 }
        let logger = self.logger
        return try await transaction { connection in
            var keptOut = 0
            for (agentId, group) in tools.groupedByAgent() {
                // Serialises tool discovery per agent across instances, so the limit holds.
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(agentId.uuidString)))", logger: logger)
                var existing: Set<[UInt8]> = []
                for try await name in try await connection.query("SELECT name FROM tools WHERE agent_id = \(agentId)", logger: logger)
                    .decode(String.self)
                {
                    existing.insert(Array(name.utf8))
                }
                // Names compare as bytes, like the database's unique key (Swift would equate "é" and "e\u{301}").
                let fresh = group.filter { !existing.contains(Array($0.name.utf8)) }
                let room = max(0, maxPerAgent - existing.count)
                keptOut += max(0, fresh.count - room)
                let admitted = Array(fresh.prefix(room))
                guard !admitted.isEmpty else { continue }
                try await connection.query(Self.insertQuery(admitted), logger: logger)
            }
            return keptOut
        }
    }

    private static func insertQuery(_ tools: [Tool]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: tools.count * 9)
        var rows: [String] = []
        for (index, tool) in tools.enumerated() {
            let base = index * 9
            rows.append("($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4)::jsonb, $\(base + 5), $\(base + 6), $\(base + 7), $\(base + 8), $\(base + 9))")
            bindings.append(tool.id)
            bindings.append(tool.agentId)
            bindings.append(tool.name)
            bindings.append(JSONWriter.string(tool.parameters))
            bindings.append(tool.description)
            bindings.append(tool.allowUsageWhenUntrustedDataIsPresent)
            bindings.append(tool.dataIsTrustedByDefault)
            bindings.append(tool.createdAt)
            bindings.append(tool.updatedAt)
        }
        let sql = """
            INSERT INTO tools (id, agent_id, name, parameters, description, allow_usage_when_untrusted_data_is_present,
                data_is_trusted_by_default, created_at, updated_at)
            VALUES \(rows.joined(separator: ", ")) ON CONFLICT (agent_id, name) DO NOTHING
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    public func listTools(agentId: UUID?) async throws -> [ToolListing] {
        let rows: [PostgresRow]
        if let agentId {
            rows = try await query(
                "SELECT \(unescaped: Self.toolColumns), a.name AS agent_name FROM tools t JOIN agents a ON a.id = t.agent_id WHERE t.agent_id = \(agentId) ORDER BY t.created_at DESC, t.id DESC"
            )
        } else {
            rows = try await query(
                "SELECT \(unescaped: Self.toolColumns), a.name AS agent_name FROM tools t JOIN agents a ON a.id = t.agent_id ORDER BY t.created_at DESC, t.id DESC"
            )
        }
        return try rows.map { row in
            ToolListing(tool: try Self.tool(from: row), agentName: try row.makeRandomAccess()["agent_name"].decode(String.self))
        }
    }

    public func tool(id: UUID) async throws -> Tool? {
        try await query("SELECT \(unescaped: Self.toolColumns) FROM tools t WHERE t.id = \(id)").first.map(Self.tool)
    }

    public func updateToolFlags(_ tool: Tool) async throws -> Bool {
        !(try await query(
            """
            UPDATE tools SET allow_usage_when_untrusted_data_is_present = \(tool.allowUsageWhenUntrustedDataIsPresent),
                data_is_trusted_by_default = \(tool.dataIsTrustedByDefault), updated_at = \(tool.updatedAt)
            WHERE id = \(tool.id) RETURNING id
            """
        )).isEmpty
    }
}
