import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    static let toolColumns = """
        t.id, t.agent_id, t.name, t.parameters, t.description, t.allow_usage_when_untrusted_data_is_present,
        t.data_is_trusted_by_default, t.created_at, t.updated_at
        """

    static func tool(from row: SQLiteRow) throws -> Tool {
        Tool(
            id: try row.uuid("id"), agentId: try row.uuid("agent_id"), name: try row.text("name"),
            parameters: try row.json("parameters"), description: row.optionalText("description"),
            allowUsageWhenUntrustedDataIsPresent: row.flag("allow_usage_when_untrusted_data_is_present"),
            dataIsTrustedByDefault: row.flag("data_is_trusted_by_default"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }

    public func insertToolsIfAbsent(_ tools: [Tool], maxPerAgent: Int) async throws -> Int {
        guard !tools.isEmpty else { return 0 }
        return try await transaction { connection in
            var keptOut = 0
            for (agentId, group) in tools.groupedByAgent() {
                let existing = Set(try await connection.query("SELECT name FROM tools WHERE agent_id = ?", [.uuid(agentId)])
                    .compactMap { $0.column("name")?.string.map { Array($0.utf8) } })
                // Names compare as bytes, like the database's unique key (Swift would equate "é" and "e\u{301}").
                let fresh = group.filter { !existing.contains(Array($0.name.utf8)) }
                let room = max(0, maxPerAgent - existing.count)
                keptOut += max(0, fresh.count - room)
                for tool in fresh.prefix(room) {
                    _ = try await connection.query(
                        """
                        INSERT INTO tools (id, agent_id, name, parameters, description,
                            allow_usage_when_untrusted_data_is_present, data_is_trusted_by_default, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, name) DO NOTHING
                        """,
                        [
                            .uuid(tool.id), .uuid(tool.agentId), .text(tool.name), .text(JSONWriter.string(tool.parameters)),
                            .optionalText(tool.description), .flag(tool.allowUsageWhenUntrustedDataIsPresent),
                            .flag(tool.dataIsTrustedByDefault), .date(tool.createdAt), .date(tool.updatedAt),
                        ]
                    )
                }
            }
            return keptOut
        }
    }

    public func listTools(agentId: UUID?) async throws -> [ToolListing] {
        var sql = "SELECT \(Self.toolColumns), a.name AS agent_name FROM tools t JOIN agents a ON a.id = t.agent_id"
        var binds: [SQLiteData] = []
        if let agentId {
            sql += " WHERE t.agent_id = ?"
            binds.append(.uuid(agentId))
        }
        sql += " ORDER BY t.created_at DESC, t.id DESC"
        return try await run(sql, binds).map { ToolListing(tool: try Self.tool(from: $0), agentName: try $0.text("agent_name")) }
    }

    public func tool(id: UUID) async throws -> Tool? {
        try await run("SELECT \(Self.toolColumns) FROM tools t WHERE t.id = ?", [.uuid(id)]).first.map(Self.tool)
    }

    public func updateToolFlags(_ tool: Tool) async throws -> Bool {
        let rows = try await run(
            """
            UPDATE tools SET allow_usage_when_untrusted_data_is_present = ?, data_is_trusted_by_default = ?, updated_at = ?
            WHERE id = ? RETURNING id
            """,
            [.flag(tool.allowUsageWhenUntrustedDataIsPresent), .flag(tool.dataIsTrustedByDefault), .date(tool.updatedAt), .uuid(tool.id)]
        )
        return !rows.isEmpty
    }
}
