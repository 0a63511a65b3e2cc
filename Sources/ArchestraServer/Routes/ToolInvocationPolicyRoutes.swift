import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/api/autonomy-policies`: rules on the tool calls a model may make, and the operators list.
struct ToolInvocationPolicyRoutes {
    let store: any Store
    let services: ProxyServices

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("autonomy-policies/operators") { _, _ -> Response in .json(AdminJSON.operators) }
        group.get("autonomy-policies/tool-invocation") { request, _ -> Response in
            let (toolId, agentId) = try PolicyFilters.parse(request)
            return .json(.array(try await store.listToolInvocationPolicies(toolId: toolId, agentId: agentId).map(AdminJSON.toolInvocationPolicy)))
        }
        group.post("autonomy-policies/tool-invocation") { request, _ -> Response in
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            let now = services.clock.now()
            let policy = ToolInvocationPolicy(
                id: services.ids.makeUUID(), toolId: try body.uuid("toolId", required: true)!,
                argumentName: try body.string("argumentName", required: true)!,
                op: try body.choice("operator", as: PolicyOperator.self, required: true)!,
                value: try body.string("value", required: true)!,
                action: try body.choice("action", as: ToolInvocationAction.self, required: true)!,
                reason: try body.nullableString("reason") ?? nil, createdAt: now, updatedAt: now
            )
            try await PolicyFilters.validate(policy.toolId, store: store) { try policy.validate() }
            try await store.insertToolInvocationPolicy(policy)
            await services.adminDataChanged()
            return .json(AdminJSON.toolInvocationPolicy(policy))
        }
        group.get("autonomy-policies/tool-invocation/:id") { _, context -> Response in
            .json(AdminJSON.toolInvocationPolicy(try await existing(context)))
        }
        group.put("autonomy-policies/tool-invocation/:id") { request, context -> Response in
            var policy = try await existing(context)
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            if let toolId = try body.uuid("toolId", required: false) { policy.toolId = toolId }
            if let name = try body.string("argumentName") { policy.argumentName = name }
            if let op = try body.choice("operator", as: PolicyOperator.self, required: false) { policy.op = op }
            if let value = try body.string("value") { policy.value = value }
            if let action = try body.choice("action", as: ToolInvocationAction.self, required: false) { policy.action = action }
            if let reason = try body.nullableString("reason") { policy.reason = reason }
            policy.updatedAt = services.clock.now()
            try await PolicyFilters.validate(policy.toolId, store: store) { try policy.validate() }
            guard try await store.updateToolInvocationPolicy(policy) else { throw notFound(policy.id) }
            await services.adminDataChanged()
            return .json(AdminJSON.toolInvocationPolicy(policy))
        }
        group.delete("autonomy-policies/tool-invocation/:id") { _, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            guard try await store.deleteToolInvocationPolicy(id: id) else { throw notFound(id) }
            await services.adminDataChanged()
            return .json(AdminJSON.success)
        }
    }

    private func existing(_ context: AppRequestContext) async throws -> ToolInvocationPolicy {
        let id = try AdminID.parse(context.parameters.get("id"))
        guard let policy = try await store.toolInvocationPolicy(id: id) else { throw notFound(id) }
        return policy
    }

    private func notFound(_ id: UUID) -> GatewayError {
        .notFound("Tool invocation policy with ID \(id.lowercasedString) not found")
    }
}
