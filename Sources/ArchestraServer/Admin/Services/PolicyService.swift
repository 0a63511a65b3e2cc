import ArchestraCore
import ArchestraStore
import Foundation

/// Trusted-data and tool-invocation policies: validated on every write (operator, action, path, regex, the tool
/// they belong to), whatever front end wrote them.
struct PolicyService: Sendable {
    let context: AdminContext

    /// The fields of a trusted-data policy an input may set.
    struct TrustedDataInput: Sendable {
        var toolId: Change<UUID> = nil
        var description: Change<String> = nil
        var attributePath: Change<String> = nil
        var op: Change<PolicyOperator> = nil
        var value: Change<String> = nil
        var action: Change<TrustedDataAction> = nil
    }

    /// The fields of a tool-invocation policy an input may set; `reason` distinguishes absent from null.
    struct InvocationInput: Sendable {
        var toolId: Change<UUID> = nil
        var argumentName: Change<String> = nil
        var op: Change<PolicyOperator> = nil
        var value: Change<String> = nil
        var action: Change<ToolInvocationAction> = nil
        var reason: Change<String?> = nil
    }

    // MARK: Trusted-data policies

    func listTrustedData(toolId: UUID?, agentId: UUID?) async throws -> [TrustedDataPolicy] {
        try await context.store.listTrustedDataPolicies(toolId: toolId, agentId: agentId)
    }

    func trustedData(_ id: UUID) async throws -> TrustedDataPolicy {
        guard let policy = try await context.store.trustedDataPolicy(id: id) else { throw Self.trustedNotFound(id) }
        return policy
    }

    func createTrustedData(_ input: TrustedDataInput) async throws -> TrustedDataPolicy {
        let now = context.clock.now()
        let policy = TrustedDataPolicy(
            id: context.ids.makeUUID(), toolId: try Self.required(input.toolId, "toolId"),
            description: try Self.required(input.description, "description"),
            attributePath: try Self.required(input.attributePath, "attributePath"), op: try Self.required(input.op, "operator"),
            value: try Self.required(input.value, "value"), action: input.action ?? .markAsTrusted, createdAt: now, updatedAt: now
        )
        try await validate(policy.toolId) { try policy.validate() }
        try await context.store.insertTrustedDataPolicy(policy)
        await context.publish()
        return policy
    }

    func updateTrustedData(_ id: UUID, _ input: TrustedDataInput) async throws -> TrustedDataPolicy {
        var policy = try await trustedData(id)
        if let toolId = input.toolId { policy.toolId = toolId }
        if let description = input.description { policy.description = description }
        if let path = input.attributePath { policy.attributePath = path }
        if let op = input.op { policy.op = op }
        if let value = input.value { policy.value = value }
        if let action = input.action { policy.action = action }
        policy.updatedAt = context.clock.now()
        try await validate(policy.toolId) { try policy.validate() }
        guard try await context.store.updateTrustedDataPolicy(policy) else { throw Self.trustedNotFound(id) }
        await context.publish()
        return policy
    }

    func deleteTrustedData(_ id: UUID) async throws {
        guard try await context.store.deleteTrustedDataPolicy(id: id) else { throw Self.trustedNotFound(id) }
        await context.publish()
    }

    // MARK: Tool-invocation policies

    func listInvocation(toolId: UUID?, agentId: UUID?) async throws -> [ToolInvocationPolicy] {
        try await context.store.listToolInvocationPolicies(toolId: toolId, agentId: agentId)
    }

    func invocation(_ id: UUID) async throws -> ToolInvocationPolicy {
        guard let policy = try await context.store.toolInvocationPolicy(id: id) else { throw Self.invocationNotFound(id) }
        return policy
    }

    func createInvocation(_ input: InvocationInput) async throws -> ToolInvocationPolicy {
        let now = context.clock.now()
        let policy = ToolInvocationPolicy(
            id: context.ids.makeUUID(), toolId: try Self.required(input.toolId, "toolId"),
            argumentName: try Self.required(input.argumentName, "argumentName"), op: try Self.required(input.op, "operator"),
            value: try Self.required(input.value, "value"), action: try Self.required(input.action, "action"),
            reason: input.reason ?? nil, createdAt: now, updatedAt: now
        )
        try await validate(policy.toolId) { try policy.validate() }
        try await context.store.insertToolInvocationPolicy(policy)
        await context.publish()
        return policy
    }

    func updateInvocation(_ id: UUID, _ input: InvocationInput) async throws -> ToolInvocationPolicy {
        var policy = try await invocation(id)
        if let toolId = input.toolId { policy.toolId = toolId }
        if let name = input.argumentName { policy.argumentName = name }
        if let op = input.op { policy.op = op }
        if let value = input.value { policy.value = value }
        if let action = input.action { policy.action = action }
        if let reason = input.reason { policy.reason = reason }
        policy.updatedAt = context.clock.now()
        try await validate(policy.toolId) { try policy.validate() }
        guard try await context.store.updateToolInvocationPolicy(policy) else { throw Self.invocationNotFound(id) }
        await context.publish()
        return policy
    }

    func deleteInvocation(_ id: UUID) async throws {
        guard try await context.store.deleteToolInvocationPolicy(id: id) else { throw Self.invocationNotFound(id) }
        await context.publish()
    }

    // MARK: Rules

    /// 400 for a policy that breaks its rules (the field named), 404 when its tool does not exist.
    private func validate(_ toolId: UUID, rules: () throws -> Void) async throws {
        do { try rules() } catch let error as PolicyValidationError {
            let field = error.message.hasPrefix("attributePath") ? "attributePath" : error.message.hasPrefix("argumentName") ? "argumentName" : "value"
            throw AdminError.invalid(error.message, field: field)
        }
        guard try await context.store.tool(id: toolId) != nil else { throw ToolService.notFound(toolId) }
    }

    private static func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw AdminError.invalid("Field '\(field)' is required", field: field) }
        return value
    }

    static func trustedNotFound(_ id: UUID) -> AdminError { .notFound("Trusted data policy with ID \(id.lowercasedString) not found") }
    static func invocationNotFound(_ id: UUID) -> AdminError { .notFound("Tool invocation policy with ID \(id.lowercasedString) not found") }
}
