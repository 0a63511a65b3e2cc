import ArchestraCore
import ArchestraStore
import Foundation

/// Agents: create, rename, flag, delete (with everything they own).
struct AgentService: Sendable {
    let context: AdminContext
    let directory: AgentDirectory

    func list() async throws -> [Agent] { try await context.store.listAgents() }

    func get(_ id: UUID) async throws -> Agent {
        guard let agent = try await context.store.agent(id: id) else { throw Self.notFound(id) }
        return agent
    }

    /// The agent named `Default Agent`, created on first use.
    func defaultAgent() async throws -> Agent {
        try await directory.defaultAgent(userAgent: Agent.defaultName)
    }

    func create(name: String, isDemo: Bool = false) async throws -> Agent {
        try Self.validate(name: name)
        let now = context.clock.now()
        let agent = Agent(id: context.ids.makeUUID(), name: name, isDemo: isDemo, createdAt: now, updatedAt: now)
        try await context.store.insertAgent(agent)
        await context.publish()
        return agent
    }

    func update(_ id: UUID, name: Change<String>, isDemo: Change<Bool>) async throws -> Agent {
        var agent = try await get(id)
        if let name {
            try Self.validate(name: name)
            agent.name = name
        }
        if let isDemo { agent.isDemo = isDemo }
        agent.updatedAt = context.clock.now()
        guard try await context.store.updateAgent(agent) else { throw Self.notFound(id) }
        await context.publish()
        return agent
    }

    func delete(_ id: UUID) async throws {
        guard try await context.store.deleteAgent(id: id) else { throw Self.notFound(id) }
        await context.publish()
    }

    static func validate(name: String) throws {
        guard !name.isEmpty else { throw AdminError.invalid("Field 'name' must be a non-empty string", field: "name") }
    }

    static func notFound(_ id: UUID) -> AdminError { .notFound("Agent with ID \(id.lowercasedString) not found") }
}
