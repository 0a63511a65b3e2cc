import ArchestraCore
import Foundation
import Hummingbird

/// `/api/trusted-data-policies`: rules that mark tool results trusted or block them.
struct TrustedDataPolicyRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("trusted-data-policies") { request, _ -> Response in
            let (toolId, agentId) = try PolicyFilters.parse(request)
            return .json(.array(try await admin.policies.listTrustedData(toolId: toolId, agentId: agentId).map(AdminJSON.trustedDataPolicy)))
        }
        group.post("trusted-data-policies") { request, _ -> Response in
            let input = try Self.input(try await AdminBody(request, limit: bodyLimit), creating: true)
            return .json(AdminJSON.trustedDataPolicy(try await admin.policies.createTrustedData(input)))
        }
        group.get("trusted-data-policies/:id") { _, context -> Response in
            .json(AdminJSON.trustedDataPolicy(try await admin.policies.trustedData(try AdminID.parse(context.parameters.get("id")))))
        }
        group.put("trusted-data-policies/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let input = try Self.input(try await AdminBody(request, limit: bodyLimit), creating: false)
            return .json(AdminJSON.trustedDataPolicy(try await admin.policies.updateTrustedData(id, input)))
        }
        group.delete("trusted-data-policies/:id") { _, context -> Response in
            try await admin.policies.deleteTrustedData(try AdminID.parse(context.parameters.get("id")))
            return .json(AdminJSON.success)
        }
    }

    /// The fields of the body; on create the required ones must be there.
    static func input(_ body: AdminBody, creating: Bool) throws -> PolicyService.TrustedDataInput {
        PolicyService.TrustedDataInput(
            toolId: try body.uuid("toolId", required: creating), description: try body.string("description", required: creating),
            attributePath: try body.string("attributePath", required: creating),
            op: try body.choice("operator", as: PolicyOperator.self, required: creating), value: try body.string("value", required: creating),
            action: try body.choice("action", as: TrustedDataAction.self, required: false)
        )
    }
}

/// The list filters the two policy route groups share.
enum PolicyFilters {
    static func parse(_ request: Request) throws -> (toolId: UUID?, agentId: UUID?) {
        let query = request.uri.queryParameters
        return (
            try AdminID.optional(query["toolId"].map(String.init), name: "toolId"),
            try AdminID.optional(query["agentId"].map(String.init), name: "agentId")
        )
    }
}
