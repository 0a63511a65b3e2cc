import Foundation

/// A tool as an agent declared it to its model, with the two trust flags an operator sets.
public struct Tool: Sendable, Hashable {
    public var id: UUID
    public var agentId: UUID
    public var name: String
    public var parameters: JSONValue
    public var description: String?
    public var allowUsageWhenUntrustedDataIsPresent: Bool
    public var dataIsTrustedByDefault: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, agentId: UUID, name: String, parameters: JSONValue, description: String?,
        allowUsageWhenUntrustedDataIsPresent: Bool, dataIsTrustedByDefault: Bool, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.agentId = agentId
        self.name = name
        self.parameters = parameters
        self.description = description
        self.allowUsageWhenUntrustedDataIsPresent = allowUsageWhenUntrustedDataIsPresent
        self.dataIsTrustedByDefault = dataIsTrustedByDefault
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A tool as found in a request's declarations, before it is recorded.
public struct ToolDeclaration: Sendable, Hashable {
    public var name: String
    public var description: String?
    /// The parameter schema, `{}` when the declaration has none.
    public var parameters: JSONValue

    public init(name: String, description: String?, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}
