import Foundation

/// A credential the gateway issues to one application: it names the agent, can expire and be revoked, and stands
/// in for the provider key, which the application never sees. Only a hash of the secret is kept.
public struct VirtualKey: Sendable, Hashable {
    public var id: UUID
    public var agentId: UUID
    public var name: String
    /// The secret's first characters, to recognise a key in lists (`sk-arch-Ab3x`).
    public var prefix: String
    /// SHA-256 of the secret, hex.
    public var secretHash: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(
        id: UUID, agentId: UUID, name: String, prefix: String, secretHash: String, createdAt: Date, lastUsedAt: Date? = nil,
        expiresAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.agentId = agentId
        self.name = name
        self.prefix = prefix
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// What the secret starts with, so the gateway tells its own keys from providers'.
    public static let secretPrefix = "sk-arch-"
    /// How many characters of the secret the key's `prefix` shows.
    public static let shownPrefixLength = 12
}
