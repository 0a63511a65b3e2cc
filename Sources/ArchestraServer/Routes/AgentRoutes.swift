import ArchestraCore
import ArchestraStore
import Hummingbird

/// `/api/agents`: create, read, update and delete agents.
struct AgentRoutes {
    let store: any Store
    let services: ProxyServices

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("agents") { _, _ -> Response in
            .json(.array(try await store.listAgents().map(AdminJSON.agent)))
        }
        group.get("agents/default") { _, _ -> Response in
            .json(AdminJSON.agent(try await services.agents.defaultAgent(userAgent: Agent.defaultName)))
        }
        group.post("agents") { request, _ -> Response in
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            let name = try body.string("name", required: true, nonEmpty: true)!
            let now = services.clock.now()
            let agent = Agent(id: services.ids.makeUUID(), name: name, isDemo: try body.bool("isDemo") ?? false, createdAt: now, updatedAt: now)
            try await store.insertAgent(agent)
            await services.adminDataChanged()
            return .json(AdminJSON.agent(agent))
        }
        group.get("agents/:id") { _, context -> Response in
            .json(AdminJSON.agent(try await existingAgent(context)))
        }
        group.put("agents/:id") { request, context -> Response in
            var agent = try await existingAgent(context)
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            if let name = try body.string("name", nonEmpty: true) { agent.name = name }
            if let isDemo = try body.bool("isDemo") { agent.isDemo = isDemo }
            agent.updatedAt = services.clock.now()
            guard try await store.updateAgent(agent) else { throw notFound(agent.id.lowercasedString) }
            await services.adminDataChanged()
            return .json(AdminJSON.agent(agent))
        }
        group.delete("agents/:id") { _, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            guard try await store.deleteAgent(id: id) else { throw notFound(id.lowercasedString) }
            await services.adminDataChanged()
            return .json(AdminJSON.success)
        }
    }

    private func existingAgent(_ context: AppRequestContext) async throws -> Agent {
        let id = try AdminID.parse(context.parameters.get("id"))
        guard let agent = try await store.agent(id: id) else { throw notFound(id.lowercasedString) }
        return agent
    }

    private func notFound(_ id: String) -> GatewayError { .notFound("Agent with ID \(id) not found") }
}
