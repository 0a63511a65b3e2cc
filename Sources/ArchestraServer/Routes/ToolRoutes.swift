import ArchestraCore
import Hummingbird

/// `/api/tools`: the tools agents declared (or an operator declared for them), and their two trust flags.
struct ToolRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("tools") { request, _ -> Response in
            let agentId = try AdminID.optional(request.uri.queryParameters["agentId"].map(String.init), name: "agentId")
            let listings = try await admin.tools.list(agentId: agentId)
            return .json(.array(listings.map { AdminJSON.tool($0.tool, agentName: $0.agentName) }))
        }
        group.post("tools") { request, _ -> Response in
            let body = try await AdminBody(request, limit: bodyLimit)
            let tool = try await admin.tools.declare(
                agentId: try body.uuid("agentId", required: true)!, name: try body.string("name", required: true)!,
                description: try body.nullableString("description") ?? nil, parameters: try body.object("parameters")
            )
            return .json(AdminJSON.tool(tool))
        }
        group.patch("tools/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let body = try await AdminBody(request, limit: bodyLimit)
            let tool = try await admin.tools.setFlags(
                id, allowUsageWhenUntrustedDataIsPresent: try body.bool("allowUsageWhenUntrustedDataIsPresent"),
                dataIsTrustedByDefault: try body.bool("dataIsTrustedByDefault")
            )
            return .json(AdminJSON.tool(tool))
        }
    }
}
