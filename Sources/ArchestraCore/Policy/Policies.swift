import Foundation

/// What a trusted-data policy does when it applies.
public enum TrustedDataAction: String, Sendable, Hashable, CaseIterable {
    case markAsTrusted = "mark_as_trusted"
    case blockAlways = "block_always"
}

/// What a tool-invocation policy does when it applies.
public enum ToolInvocationAction: String, Sendable, Hashable, CaseIterable {
    case allowWhenContextIsUntrusted = "allow_when_context_is_untrusted"
    case blockAlways = "block_always"
}

/// A rule judging the results of one tool of one agent.
public struct TrustedDataPolicy: Sendable, Hashable {
    public var id: UUID
    public var toolId: UUID
    public var description: String
    public var attributePath: String
    public var op: PolicyOperator
    public var value: String
    public var action: TrustedDataAction
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, toolId: UUID, description: String, attributePath: String, op: PolicyOperator, value: String,
        action: TrustedDataAction, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.toolId = toolId
        self.description = description
        self.attributePath = attributePath
        self.op = op
        self.value = value
        self.action = action
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A rule judging the calls the model makes to one tool of one agent.
public struct ToolInvocationPolicy: Sendable, Hashable {
    public var id: UUID
    public var toolId: UUID
    public var argumentName: String
    public var op: PolicyOperator
    public var value: String
    public var action: ToolInvocationAction
    public var reason: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, toolId: UUID, argumentName: String, op: PolicyOperator, value: String, action: ToolInvocationAction,
        reason: String?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.toolId = toolId
        self.argumentName = argumentName
        self.op = op
        self.value = value
        self.action = action
        self.reason = reason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Why a policy cannot be stored: answered 400 with `message`.
public struct PolicyValidationError: Error, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }
}

extension TrustedDataPolicy {
    /// Checks what cannot be checked by types: a non-empty, well-formed path and a regex that compiles.
    public func validate() throws(PolicyValidationError) {
        guard AttributePath(attributePath) != nil else {
            throw PolicyValidationError("attributePath must be a non-empty path such as 'emails[*].from'")
        }
        do { _ = try PolicyCondition(op: op, value: value) } catch { throw PolicyValidationError(error.message) }
    }
}

extension ToolInvocationPolicy {
    /// Checks what cannot be checked by types: a non-empty, well-formed path and a regex that compiles.
    public func validate() throws(PolicyValidationError) {
        guard AttributePath(argumentName) != nil else {
            throw PolicyValidationError("argumentName must be a non-empty path such as 'to' or 'recipients[*]'")
        }
        do { _ = try PolicyCondition(op: op, value: value) } catch { throw PolicyValidationError(error.message) }
    }
}
