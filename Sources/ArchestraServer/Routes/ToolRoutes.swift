import ArchestraCore
import ArchestraStore
import Hummingbird

/// `/api/tools`: the tools agents declared, and their two trust flags.
struct ToolRoutes {
    let store: any Store
    let services: ProxyServices

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("tools") { request, _ -> Response in
            let agentId = try AdminID.optional(request.uri.queryParameters["agentId"].map(String.init), name: "agentId")
            let listings = try await store.listTools(agentId: agentId)
            return .json(.array(listings.map { AdminJSON.tool($0.tool, agentName: $0.agentName) }))
        }
        group.patch("tools/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            let allow = try body.bool("allowUsageWhenUntrustedDataIsPresent")
            let trusted = try body.bool("dataIsTrustedByDefault")
            guard var tool = try await store.tool(id: id) else { throw GatewayError.notFound("Tool with ID \(id.lowercasedString) not found") }
            if let allow { tool.allowUsageWhenUntrustedDataIsPresent = allow }
            if let trusted { tool.dataIsTrustedByDefault = trusted }
            tool.updatedAt = services.clock.now()
            guard try await store.updateToolFlags(tool) else { throw GatewayError.notFound("Tool with ID \(id.lowercasedString) not found") }
            await services.adminDataChanged()
            return .json(AdminJSON.tool(tool))
        }
    }
}
