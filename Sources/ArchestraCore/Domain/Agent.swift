import Foundation

/// An agent: one caller of the gateway, owning its tools, policies and interactions.
public struct Agent: Sendable, Hashable {
    /// The name used when a request carries no `User-Agent`.
    public static let defaultName = "Default Agent"

    public var id: UUID
    public var name: String
    public var isDemo: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, name: String, isDemo: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.isDemo = isDemo
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
