import ArchestraCore
import Foundation

/// Storage of virtual keys (hashes only); part of `Store`.
public protocol VirtualKeyStore: Sendable {
    func insertVirtualKey(_ key: VirtualKey) async throws
    func virtualKey(id: UUID) async throws -> VirtualKey?
    /// Newest first, optionally for one agent; revoked keys included.
    func listVirtualKeys(agentId: UUID?) async throws -> [VirtualKey]
    /// Sets `revokedAt` unless already set; false when the key does not exist.
    func revokeVirtualKey(id: UUID, at time: Date) async throws -> Bool
    /// Moves `lastUsedAt` forward (never back) for each key.
    func recordVirtualKeyUses(_ uses: [UUID: Date]) async throws
}
