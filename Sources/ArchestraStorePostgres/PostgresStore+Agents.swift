import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    static func agent(from row: PostgresRow) throws -> Agent {
        let columns = row.makeRandomAccess()
        return Agent(
            id: try columns["id"].decode(UUID.self), name: try columns["name"].decode(String.self),
            isDemo: try columns["is_demo"].decode(Bool.self), createdAt: try columns["created_at"].decode(Date.self),
            updatedAt: try columns["updated_at"].decode(Date.self)
        )
    }

    public func listAgents() async throws -> [Agent] {
        try await query("SELECT id, name, is_demo, created_at, updated_at FROM agents ORDER BY created_at, id").map(Self.agent)
    }

    public func agent(id: UUID) async throws -> Agent? {
        try await query("SELECT id, name, is_demo, created_at, updated_at FROM agents WHERE id = \(id)").first.map(Self.agent)
    }

    public func findOrCreateAgent(named name: String, candidate: Agent, maxAgents: Int) async throws -> Agent? {
        let logger = self.logger
        return try await transaction { connection in
            // Serialises first sight of a name across instances sharing the database.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(name)))", logger: logger)
            let existing = try await connection.query(
                "SELECT id, name, is_demo, created_at, updated_at FROM agents WHERE name = \(name) ORDER BY created_at, id LIMIT 1",
                logger: logger
            ).collect()
            if let row = existing.first { return try Self.agent(from: row) }
            if maxAgents < Int.max {
                let rows = try await connection.query("SELECT COUNT(*) FROM agents", logger: logger).collect()
                guard (try rows.first?.decode(Int.self) ?? 0) < maxAgents else { return nil }
            }
            try await connection.query(Self.insertQuery(candidate), logger: logger)
            return candidate
        }
    }

    static func insertQuery(_ agent: Agent) -> PostgresQuery {
        """
        INSERT INTO agents (id, name, is_demo, created_at, updated_at)
        VALUES (\(agent.id), \(agent.name), \(agent.isDemo), \(agent.createdAt), \(agent.updatedAt))
        """
    }

    public func insertAgent(_ agent: Agent) async throws {
        try await query(Self.insertQuery(agent))
    }

    public func updateAgent(_ agent: Agent) async throws -> Bool {
        !(try await query(
            "UPDATE agents SET name = \(agent.name), is_demo = \(agent.isDemo), updated_at = \(agent.updatedAt) WHERE id = \(agent.id) RETURNING id"
        )).isEmpty
    }

    public func deleteAgent(id: UUID) async throws -> Bool {
        !(try await query("DELETE FROM agents WHERE id = \(id) RETURNING id")).isEmpty
    }
}
