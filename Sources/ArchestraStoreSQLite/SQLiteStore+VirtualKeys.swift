import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    static let keyColumns = "id, agent_id, name, prefix, secret_hash, created_at, last_used_at, expires_at, revoked_at"

    static func virtualKey(from row: SQLiteRow) throws -> VirtualKey {
        func optionalDate(_ name: String) throws -> Date? { row.optionalText(name) == nil ? nil : try row.date(name) }
        return VirtualKey(
            id: try row.uuid("id"), agentId: try row.uuid("agent_id"), name: try row.text("name"), prefix: try row.text("prefix"),
            secretHash: try row.text("secret_hash"), createdAt: try row.date("created_at"), lastUsedAt: try optionalDate("last_used_at"),
            expiresAt: try optionalDate("expires_at"), revokedAt: try optionalDate("revoked_at")
        )
    }

    public func insertVirtualKey(_ key: VirtualKey) async throws {
        try await run(
            "INSERT INTO virtual_keys (\(Self.keyColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .uuid(key.id), .uuid(key.agentId), .text(key.name), .text(key.prefix), .text(key.secretHash), .date(key.createdAt),
                key.lastUsedAt.map(SQLiteData.date) ?? .null, key.expiresAt.map(SQLiteData.date) ?? .null,
                key.revokedAt.map(SQLiteData.date) ?? .null,
            ]
        )
    }

    public func virtualKey(id: UUID) async throws -> VirtualKey? {
        try await run("SELECT \(Self.keyColumns) FROM virtual_keys WHERE id = ?", [.uuid(id)]).first.map(Self.virtualKey)
    }

    public func listVirtualKeys(agentId: UUID?) async throws -> [VirtualKey] {
        let filter = agentId == nil ? "" : " WHERE agent_id = ?"
        return try await run(
            "SELECT \(Self.keyColumns) FROM virtual_keys\(filter) ORDER BY created_at DESC, id DESC", agentId.map { [.uuid($0)] } ?? []
        ).map(Self.virtualKey)
    }

    public func revokeVirtualKey(id: UUID, at time: Date) async throws -> Bool {
        !(try await run(
            "UPDATE virtual_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING id", [.date(time), .uuid(id)]
        )).isEmpty
    }

    public func recordVirtualKeyUses(_ uses: [UUID: Date]) async throws {
        guard !uses.isEmpty else { return }
        try await transaction { connection in
            for (id, time) in uses {
                // Timestamps are fixed-width ISO text, so text order is time order.
                _ = try await connection.query(
                    "UPDATE virtual_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                    [.date(time), .uuid(id), .date(time)]
                )
            }
        }
    }
}
