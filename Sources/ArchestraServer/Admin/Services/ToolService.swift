import ArchestraCore
import ArchestraStore
import Foundation

/// Tools: the ones agents declared, the ones an operator declares ahead of an agent's first run, and their two
/// trust flags.
struct ToolService: Sendable {
    let context: AdminContext

    func list(agentId: UUID?) async throws -> [ToolListing] { try await context.store.listTools(agentId: agentId) }

    func get(_ id: UUID) async throws -> Tool {
        guard let tool = try await context.store.tool(id: id) else { throw Self.notFound(id) }
        return tool
    }

    /// Declares a tool for an agent by name, so its policies can be written before the agent first runs; the
    /// tool the agent later declares under that name is this one. Declaring an existing name returns it unchanged.
    func declare(agentId: UUID, name: String, description: String?, parameters: JSONValue?) async throws -> Tool {
        guard try await context.store.agent(id: agentId) != nil else { throw AgentService.notFound(agentId) }
        guard !name.isEmpty, name.unicodeScalars.count <= 256, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw AdminError.invalid("Field 'name' must be 1–256 characters without control characters", field: "name")
        }
        let now = context.clock.now()
        let tool = Tool(
            id: context.ids.makeUUID(), agentId: agentId, name: name, parameters: parameters ?? .object(JSONObject()),
            description: description, allowUsageWhenUntrustedDataIsPresent: false, dataIsTrustedByDefault: false,
            createdAt: now, updatedAt: now
        )
        try await context.store.insertToolsIfAbsent([tool])
        await context.publish()
        let listed = try await context.store.listTools(agentId: agentId).map(\.tool)
        return listed.first { Array($0.name.utf8) == Array(name.utf8) } ?? tool
    }

    func setFlags(_ id: UUID, allowUsageWhenUntrustedDataIsPresent: Change<Bool>, dataIsTrustedByDefault: Change<Bool>) async throws -> Tool {
        var tool = try await get(id)
        if let allowUsageWhenUntrustedDataIsPresent { tool.allowUsageWhenUntrustedDataIsPresent = allowUsageWhenUntrustedDataIsPresent }
        if let dataIsTrustedByDefault { tool.dataIsTrustedByDefault = dataIsTrustedByDefault }
        tool.updatedAt = context.clock.now()
        guard try await context.store.updateToolFlags(tool) else { throw Self.notFound(id) }
        await context.publish()
        return tool
    }

    static func notFound(_ id: UUID) -> AdminError { .notFound("Tool with ID \(id.lowercasedString) not found") }
}
