import ArchestraCore
import Hummingbird

/// `/api/agents`: create, read, update and delete agents.
struct AgentRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("agents") { _, _ -> Response in
            .json(.array(try await admin.agents.list().map(AdminJSON.agent)))
        }
        group.get("agents/default") { _, _ -> Response in
            .json(AdminJSON.agent(try await admin.agents.defaultAgent()))
        }
        group.post("agents") { request, _ -> Response in
            let body = try await AdminBody(request, limit: bodyLimit)
            let agent = try await admin.agents.create(name: try body.string("name", required: true)!, isDemo: try body.bool("isDemo") ?? false)
            return .json(AdminJSON.agent(agent))
        }
        group.get("agents/:id") { _, context -> Response in
            .json(AdminJSON.agent(try await admin.agents.get(try AdminID.parse(context.parameters.get("id")))))
        }
        group.put("agents/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let body = try await AdminBody(request, limit: bodyLimit)
            return .json(AdminJSON.agent(try await admin.agents.update(id, name: try body.string("name"), isDemo: try body.bool("isDemo"))))
        }
        group.delete("agents/:id") { _, context -> Response in
            try await admin.agents.delete(try AdminID.parse(context.parameters.get("id")))
            return .json(AdminJSON.success)
        }
    }
}
