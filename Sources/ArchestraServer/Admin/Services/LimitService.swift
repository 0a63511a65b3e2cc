import ArchestraCore
import ArchestraStore
import Foundation

/// Usage limits: one per kind for each agent, and one per kind for all agents together.
struct LimitService: Sendable {
    let context: AdminContext

    /// What an update sets; nil leaves a field as it is. The scope and kind of a limit never change (a different
    /// cap is a different limit), only its value.
    struct Fields: Sendable {
        var agentId: UUID??
        var kind: LimitKind?
        var value: Double?
    }

    func list(agentId: UUID?) async throws -> [UsageLimit] { try await context.store.listLimits(agentId: agentId) }

    func get(_ id: UUID) async throws -> UsageLimit {
        guard let limit = try await context.store.usageLimit(id: id) else { throw Self.notFound(id) }
        return limit
    }

    func create(_ fields: Fields) async throws -> UsageLimit {
        guard let kind = fields.kind else { throw AdminError.invalid("Field 'kind' is required", field: "kind") }
        guard let value = fields.value else { throw AdminError.invalid("Field 'value' is required", field: "value") }
        let agentId = fields.agentId ?? nil
        if let agentId, try await context.store.agent(id: agentId) == nil { throw AgentService.notFound(agentId) }
        let now = context.clock.now()
        let limit = UsageLimit(id: context.ids.makeUUID(), agentId: agentId, kind: kind, value: value, createdAt: now, updatedAt: now)
        try Self.validate(limit)
        if let existing = try await context.store.listLimits(agentId: agentId).first(where: { $0.kind == kind && $0.agentId == agentId }) {
            throw Self.duplicate(existing)
        }
        return try await save(limit)
    }

    func update(_ id: UUID, _ fields: Fields) async throws -> UsageLimit {
        var limit = try await get(id)
        if let agentId = fields.agentId, agentId != limit.agentId {
            throw AdminError.invalid("The agent of a limit cannot change; create a limit for the other agent instead", field: "agentId")
        }
        if let kind = fields.kind, kind != limit.kind {
            throw AdminError.invalid("The kind of a limit cannot change; create a limit of the other kind instead", field: "kind")
        }
        if let value = fields.value { limit.value = value }
        limit.updatedAt = context.clock.now()
        try Self.validate(limit)
        return try await save(limit)
    }

    func delete(_ id: UUID) async throws {
        guard try await context.store.deleteLimit(id: id) else { throw Self.notFound(id) }
        await context.publish()
    }

    private func save(_ limit: UsageLimit) async throws -> UsageLimit {
        do {
            try await context.store.saveLimit(limit)
        } catch StoreError.rejected {
            // A concurrent create of the same limit, or its agent deleted meanwhile.
            if let existing = try await context.store.listLimits(agentId: limit.agentId)
                .first(where: { $0.kind == limit.kind && $0.agentId == limit.agentId && $0.id != limit.id }) {
                throw Self.duplicate(existing)
            }
            if let agentId = limit.agentId { throw AgentService.notFound(agentId) }
            throw AdminError.invalid("The limit could not be stored")
        }
        await context.publish()
        return limit
    }

    static func validate(_ limit: UsageLimit) throws {
        if let problem = UsageLimit.valueProblem(limit.value, kind: limit.kind) {
            throw AdminError.invalid("Field 'value' \(problem)", field: "value")
        }
    }

    static func duplicate(_ existing: UsageLimit) -> AdminError {
        let whose = existing.agentId.map { "agent \($0.lowercasedString)" } ?? "all agents together"
        return .invalid(
            "A \(existing.kind.rawValue) limit for \(whose) already exists (id \(existing.id.lowercasedString)); change its value with PUT",
            field: "kind"
        )
    }

    static func notFound(_ id: UUID) -> AdminError { .notFound("Limit with ID \(id.lowercasedString) not found") }
}
