import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    static let agentColumns = "id, name, is_demo, created_at, updated_at"

    static func agent(from row: SQLiteRow) throws -> Agent {
        Agent(
            id: try row.uuid("id"), name: try row.text("name"), isDemo: row.flag("is_demo"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }

    public func listAgents() async throws -> [Agent] {
        try await run("SELECT \(Self.agentColumns) FROM agents ORDER BY created_at, id").map(Self.agent)
    }

    public func agent(id: UUID) async throws -> Agent? {
        try await run("SELECT \(Self.agentColumns) FROM agents WHERE id = ?", [.uuid(id)]).first.map(Self.agent)
    }

    public func findOrCreateAgent(named name: String, candidate: Agent, maxAgents: Int) async throws -> Agent? {
        try await transaction { connection in
            let select = "SELECT \(Self.agentColumns) FROM agents WHERE name = ? ORDER BY created_at, id LIMIT 1"
            if let row = try await connection.query(select, [.text(name)]).first { return try Self.agent(from: row) }
            let count = try await connection.query("SELECT COUNT(*) AS n FROM agents").first?.int("n") ?? 0
            guard count < maxAgents else { return nil }
            try await Self.insert(candidate, on: connection)
            return candidate
        }
    }

    public func insertAgent(_ agent: Agent) async throws {
        try await lock.withLock { try await Self.insert(agent, on: self.connection) }
    }

    private static func insert(_ agent: Agent, on connection: SQLiteConnection) async throws {
        _ = try await connection.query(
            "INSERT INTO agents (id, name, is_demo, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [.uuid(agent.id), .text(agent.name), .flag(agent.isDemo), .date(agent.createdAt), .date(agent.updatedAt)]
        )
    }

    public func updateAgent(_ agent: Agent) async throws -> Bool {
        let rows = try await run(
            "UPDATE agents SET name = ?, is_demo = ?, updated_at = ? WHERE id = ? RETURNING id",
            [.text(agent.name), .flag(agent.isDemo), .date(agent.updatedAt), .uuid(agent.id)]
        )
        return !rows.isEmpty
    }

    public func deleteAgent(id: UUID) async throws -> Bool {
        !(try await run("DELETE FROM agents WHERE id = ? RETURNING id", [.uuid(id)])).isEmpty
    }
}
