import ArchestraCore
import ArchestraStore
import Foundation

/// The Dual LLM configuration (the oldest one is the one the pipeline uses) and its results.
struct DualLLMService: Sendable {
    let context: AdminContext
    let settings: DualLLMSettings

    /// The fields of a configuration an input may set.
    struct Input: Sendable {
        var enabled: Change<Bool> = nil
        var mainAgentPrompt: Change<String> = nil
        var quarantinedAgentPrompt: Change<String> = nil
        var summaryPrompt: Change<String> = nil
        var maxRounds: Change<Int> = nil
        var provider: Change<Provider> = nil
        var model: Change<String> = nil
    }

    func current() async throws -> DualLLMConfig { try await settings.current() }

    func list() async throws -> [DualLLMConfig] { try await context.store.listDualLLMConfigs() }

    func get(_ id: UUID) async throws -> DualLLMConfig {
        guard let config = try await context.store.dualLLMConfig(id: id) else { throw Self.notFound(id) }
        return config
    }

    func create(_ input: Input) async throws -> DualLLMConfig {
        let now = context.clock.now()
        func required(_ value: String?, _ field: String) throws -> String {
            guard let value else { throw AdminError.invalid("Field '\(field)' is required", field: field) }
            return value
        }
        var config = DualLLMConfig(
            id: context.ids.makeUUID(), enabled: input.enabled ?? false,
            mainAgentPrompt: try required(input.mainAgentPrompt, "mainAgentPrompt"),
            quarantinedAgentPrompt: try required(input.quarantinedAgentPrompt, "quarantinedAgentPrompt"),
            summaryPrompt: try required(input.summaryPrompt, "summaryPrompt"), maxRounds: 5, createdAt: now, updatedAt: now
        )
        try apply(input, to: &config)
        try await context.store.insertDualLLMConfig(config)
        await context.publish()
        return config
    }

    func update(_ id: UUID, _ input: Input) async throws -> DualLLMConfig {
        var config = try await get(id)
        try apply(input, to: &config)
        config.updatedAt = context.clock.now()
        guard try await context.store.updateDualLLMConfig(config) else { throw Self.notFound(id) }
        await context.publish()
        return config
    }

    func delete(_ id: UUID) async throws {
        guard try await context.store.deleteDualLLMConfig(id: id) else { throw Self.notFound(id) }
        await context.publish()
    }

    private func apply(_ input: Input, to config: inout DualLLMConfig) throws {
        if let enabled = input.enabled { config.enabled = enabled }
        if let prompt = input.mainAgentPrompt { config.mainAgentPrompt = prompt }
        if let prompt = input.quarantinedAgentPrompt { config.quarantinedAgentPrompt = prompt }
        if let prompt = input.summaryPrompt { config.summaryPrompt = prompt }
        if let rounds = input.maxRounds {
            guard DualLLMConfig.roundLimits.contains(rounds) else {
                let limits = DualLLMConfig.roundLimits
                throw AdminError.invalid("Field 'maxRounds' must be an integer from \(limits.lowerBound) to \(limits.upperBound)", field: "maxRounds")
            }
            config.maxRounds = rounds
        }
        if let provider = input.provider { config.provider = provider }
        if let model = input.model {
            guard !model.isEmpty else { throw AdminError.invalid("Field 'model' must be a non-empty string", field: "model") }
            config.model = model
        }
    }

    func results(agentId: UUID?) async throws -> [DualLLMResult] { try await context.store.listDualLLMResults(agentId: agentId) }

    func result(toolCallId: String) async throws -> DualLLMResult? { try await context.store.latestDualLLMResult(toolCallId: toolCallId) }

    /// The results for the tool results in an interaction's request, read with its endpoint's adapter.
    func results(ofInteraction id: UUID) async throws -> [DualLLMResult] {
        guard let interaction = try await context.store.interaction(id: id) else { throw InteractionService.notFound(id) }
        var results: [DualLLMResult] = []
        for toolCallId in InteractionService.toolCallIds(of: interaction) {
            if let result = try await context.store.dualLLMResult(agentId: interaction.agentId, toolCallId: toolCallId) {
                results.append(result)
            }
        }
        return results
    }

    static func notFound(_ id: UUID) -> AdminError { .notFound("Dual LLM config with ID \(id.lowercasedString) not found") }
}
