import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/api/trusted-data-policies`: rules that mark tool results trusted or block them.
struct TrustedDataPolicyRoutes {
    let store: any Store
    let services: ProxyServices

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("trusted-data-policies") { request, _ -> Response in
            let (toolId, agentId) = try PolicyFilters.parse(request)
            return .json(.array(try await store.listTrustedDataPolicies(toolId: toolId, agentId: agentId).map(AdminJSON.trustedDataPolicy)))
        }
        group.post("trusted-data-policies") { request, _ -> Response in
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            let now = services.clock.now()
            let policy = TrustedDataPolicy(
                id: services.ids.makeUUID(), toolId: try body.uuid("toolId", required: true)!,
                description: try body.string("description", required: true)!,
                attributePath: try body.string("attributePath", required: true)!,
                op: try body.choice("operator", as: PolicyOperator.self, required: true)!,
                value: try body.string("value", required: true)!,
                action: try body.choice("action", as: TrustedDataAction.self, required: false) ?? .markAsTrusted,
                createdAt: now, updatedAt: now
            )
            try await PolicyFilters.validate(policy.toolId, store: store) { try policy.validate() }
            try await store.insertTrustedDataPolicy(policy)
            await services.adminDataChanged()
            return .json(AdminJSON.trustedDataPolicy(policy))
        }
        group.get("trusted-data-policies/:id") { _, context -> Response in
            .json(AdminJSON.trustedDataPolicy(try await existing(context)))
        }
        group.put("trusted-data-policies/:id") { request, context -> Response in
            var policy = try await existing(context)
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            if let toolId = try body.uuid("toolId", required: false) { policy.toolId = toolId }
            if let description = try body.string("description") { policy.description = description }
            if let path = try body.string("attributePath") { policy.attributePath = path }
            if let op = try body.choice("operator", as: PolicyOperator.self, required: false) { policy.op = op }
            if let value = try body.string("value") { policy.value = value }
            if let action = try body.choice("action", as: TrustedDataAction.self, required: false) { policy.action = action }
            policy.updatedAt = services.clock.now()
            try await PolicyFilters.validate(policy.toolId, store: store) { try policy.validate() }
            guard try await store.updateTrustedDataPolicy(policy) else { throw notFound(policy.id) }
            await services.adminDataChanged()
            return .json(AdminJSON.trustedDataPolicy(policy))
        }
        group.delete("trusted-data-policies/:id") { _, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            guard try await store.deleteTrustedDataPolicy(id: id) else { throw notFound(id) }
            await services.adminDataChanged()
            return .json(AdminJSON.success)
        }
    }

    private func existing(_ context: AppRequestContext) async throws -> TrustedDataPolicy {
        let id = try AdminID.parse(context.parameters.get("id"))
        guard let policy = try await store.trustedDataPolicy(id: id) else { throw notFound(id) }
        return policy
    }

    private func notFound(_ id: UUID) -> GatewayError {
        .notFound("Trusted data policy with ID \(id.lowercasedString) not found")
    }
}

/// The parts the two policy route groups share: list filters and write-time validation.
enum PolicyFilters {
    static func parse(_ request: Request) throws -> (toolId: UUID?, agentId: UUID?) {
        let query = request.uri.queryParameters
        return (
            try AdminID.optional(query["toolId"].map(String.init), name: "toolId"),
            try AdminID.optional(query["agentId"].map(String.init), name: "agentId")
        )
    }

    /// 400 for a policy that breaks its rules, 404 when its tool does not exist.
    static func validate(_ toolId: UUID, store: any Store, rules: () throws -> Void) async throws {
        do { try rules() } catch let error as PolicyValidationError { throw GatewayError.badRequest(error.message) }
        guard try await store.tool(id: toolId) != nil else {
            throw GatewayError.notFound("Tool with ID \(toolId.lowercasedString) not found")
        }
    }
}
