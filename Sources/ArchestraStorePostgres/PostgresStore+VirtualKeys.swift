import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    static let keyColumns = "id, agent_id, name, prefix, secret_hash, created_at, last_used_at, expires_at, revoked_at"

    static func virtualKey(from row: PostgresRow) throws -> VirtualKey {
        let columns = row.makeRandomAccess()
        return VirtualKey(
            id: try columns["id"].decode(UUID.self), agentId: try columns["agent_id"].decode(UUID.self),
            name: try columns["name"].decode(String.self), prefix: try columns["prefix"].decode(String.self),
            secretHash: try columns["secret_hash"].decode(String.self), createdAt: try columns["created_at"].decode(Date.self),
            lastUsedAt: try columns["last_used_at"].decode(Date?.self), expiresAt: try columns["expires_at"].decode(Date?.self),
            revokedAt: try columns["revoked_at"].decode(Date?.self)
        )
    }

    public func insertVirtualKey(_ key: VirtualKey) async throws {
        try await query(
            """
            INSERT INTO virtual_keys (id, agent_id, name, prefix, secret_hash, created_at, last_used_at, expires_at, revoked_at)
            VALUES (\(key.id), \(key.agentId), \(key.name), \(key.prefix), \(key.secretHash), \(key.createdAt), \(key.lastUsedAt),
                \(key.expiresAt), \(key.revokedAt))
            """
        )
    }

    public func virtualKey(id: UUID) async throws -> VirtualKey? {
        try await query("SELECT \(unescaped: Self.keyColumns) FROM virtual_keys WHERE id = \(id)").first.map(Self.virtualKey)
    }

    public func listVirtualKeys(agentId: UUID?) async throws -> [VirtualKey] {
        let rows: [PostgresRow]
        if let agentId {
            rows = try await query(
                "SELECT \(unescaped: Self.keyColumns) FROM virtual_keys WHERE agent_id = \(agentId) ORDER BY created_at DESC, id DESC"
            )
        } else {
            rows = try await query("SELECT \(unescaped: Self.keyColumns) FROM virtual_keys ORDER BY created_at DESC, id DESC")
        }
        return try rows.map(Self.virtualKey)
    }

    public func revokeVirtualKey(id: UUID, at time: Date) async throws -> Bool {
        !(try await query("UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, \(time)) WHERE id = \(id) RETURNING id")).isEmpty
    }

    public func recordVirtualKeyUses(_ uses: [UUID: Date]) async throws {
        guard !uses.isEmpty else { return }
        let logger = self.logger
        try await transaction { connection in
            for (id, time) in uses {
                try await connection.query(
                    "UPDATE virtual_keys SET last_used_at = GREATEST(COALESCE(last_used_at, \(time)), \(time)) WHERE id = \(id)",
                    logger: logger
                )
            }
        }
    }
}
