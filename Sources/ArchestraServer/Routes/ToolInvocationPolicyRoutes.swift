import ArchestraCore
import Foundation
import Hummingbird

/// `/api/autonomy-policies`: rules on the tool calls a model may make, and the operators list.
struct ToolInvocationPolicyRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("autonomy-policies/operators") { _, _ -> Response in .json(AdminJSON.operators) }
        group.get("autonomy-policies/tool-invocation") { request, _ -> Response in
            let (toolId, agentId) = try PolicyFilters.parse(request)
            return .json(.array(try await admin.policies.listInvocation(toolId: toolId, agentId: agentId).map(AdminJSON.toolInvocationPolicy)))
        }
        group.post("autonomy-policies/tool-invocation") { request, _ -> Response in
            let input = try Self.input(try await AdminBody(request, limit: bodyLimit), creating: true)
            return .json(AdminJSON.toolInvocationPolicy(try await admin.policies.createInvocation(input)))
        }
        group.get("autonomy-policies/tool-invocation/:id") { _, context -> Response in
            .json(AdminJSON.toolInvocationPolicy(try await admin.policies.invocation(try AdminID.parse(context.parameters.get("id")))))
        }
        group.put("autonomy-policies/tool-invocation/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let input = try Self.input(try await AdminBody(request, limit: bodyLimit), creating: false)
            return .json(AdminJSON.toolInvocationPolicy(try await admin.policies.updateInvocation(id, input)))
        }
        group.delete("autonomy-policies/tool-invocation/:id") { _, context -> Response in
            try await admin.policies.deleteInvocation(try AdminID.parse(context.parameters.get("id")))
            return .json(AdminJSON.success)
        }
    }

    /// The fields of the body; on create the required ones must be there.
    static func input(_ body: AdminBody, creating: Bool) throws -> PolicyService.InvocationInput {
        PolicyService.InvocationInput(
            toolId: try body.uuid("toolId", required: creating), argumentName: try body.string("argumentName", required: creating),
            op: try body.choice("operator", as: PolicyOperator.self, required: creating), value: try body.string("value", required: creating),
            action: try body.choice("action", as: ToolInvocationAction.self, required: creating), reason: try body.nullableString("reason")
        )
    }
}
