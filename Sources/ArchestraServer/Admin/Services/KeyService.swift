import ArchestraCore
import ArchestraStore
import Foundation

/// Virtual keys: issued with their secret shown once, listed without it, revoked at once on every instance.
struct KeyService: Sendable {
    let context: AdminContext

    /// A key just issued, with the secret the caller must keep (the gateway keeps only its hash).
    struct Issued: Sendable {
        let key: VirtualKey
        let secret: String
    }

    func list(agentId: UUID?) async throws -> [VirtualKey] { try await context.store.listVirtualKeys(agentId: agentId) }

    func get(_ id: UUID) async throws -> VirtualKey {
        guard let key = try await context.store.virtualKey(id: id) else { throw Self.notFound(id) }
        return key
    }

    func issue(agentId: UUID, name: String, expiresAt: Date?) async throws -> Issued {
        guard try await context.store.agent(id: agentId) != nil else { throw AgentService.notFound(agentId) }
        guard !name.isEmpty, name.unicodeScalars.count <= 256 else {
            throw AdminError.invalid("Field 'name' must be 1–256 characters", field: "name")
        }
        let now = context.clock.now()
        if let expiresAt, expiresAt <= now { throw AdminError.invalid("Field 'expiresAt' must be in the future", field: "expiresAt") }
        let secret = VirtualKeySecret.generate()
        let key = VirtualKey(
            id: context.ids.makeUUID(), agentId: agentId, name: name, prefix: VirtualKeySecret.prefix(of: secret),
            secretHash: VirtualKeySecret.hash(secret), createdAt: now, expiresAt: expiresAt
        )
        try await context.store.insertVirtualKey(key)
        await context.publish()
        return Issued(key: key, secret: secret)
    }

    /// Revokes a key; it stays listed with `revokedAt` set. Requests with it are refused from now on, here and on
    /// every other instance.
    func revoke(_ id: UUID) async throws -> VirtualKey {
        guard try await context.store.revokeVirtualKey(id: id, at: context.clock.now()) else { throw Self.notFound(id) }
        await context.publish()
        return try await get(id)
    }

    static func notFound(_ id: UUID) -> AdminError { .notFound("Virtual key with ID \(id.lowercasedString) not found") }
}
