import ArchestraCore
import ArchestraProviders
import ArchestraStore
import Foundation
import Hummingbird

/// `/api/dual-llm-config` and `/api/dual-llm-results`: the quarantine's settings and what it concluded.
struct DualLLMRoutes {
    let store: any Store
    let services: ProxyServices

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("dual-llm-config/default") { _, _ -> Response in
            .json(AdminJSON.dualLLMConfig(try await services.dualLLM.current()))
        }
        group.get("dual-llm-config") { _, _ -> Response in
            .json(.array(try await store.listDualLLMConfigs().map(AdminJSON.dualLLMConfig)))
        }
        group.post("dual-llm-config") { request, _ -> Response in
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            let now = services.clock.now()
            var config = DualLLMConfig(
                id: services.ids.makeUUID(), enabled: try body.bool("enabled") ?? false,
                mainAgentPrompt: try body.string("mainAgentPrompt", required: true)!,
                quarantinedAgentPrompt: try body.string("quarantinedAgentPrompt", required: true)!,
                summaryPrompt: try body.string("summaryPrompt", required: true)!,
                maxRounds: try body.integer("maxRounds", in: DualLLMConfig.roundLimits) ?? 5, createdAt: now, updatedAt: now
            )
            try apply(modelFieldsOf: body, to: &config)
            try await store.insertDualLLMConfig(config)
            await services.adminDataChanged()
            return .json(AdminJSON.dualLLMConfig(config))
        }
        group.get("dual-llm-config/:id") { _, context -> Response in
            .json(AdminJSON.dualLLMConfig(try await existing(context)))
        }
        group.put("dual-llm-config/:id") { request, context -> Response in
            var config = try await existing(context)
            let body = try await AdminBody(request, limit: services.config.maxBodyBytes)
            if let enabled = try body.bool("enabled") { config.enabled = enabled }
            if let prompt = try body.string("mainAgentPrompt") { config.mainAgentPrompt = prompt }
            if let prompt = try body.string("quarantinedAgentPrompt") { config.quarantinedAgentPrompt = prompt }
            if let prompt = try body.string("summaryPrompt") { config.summaryPrompt = prompt }
            if let rounds = try body.integer("maxRounds", in: DualLLMConfig.roundLimits) { config.maxRounds = rounds }
            try apply(modelFieldsOf: body, to: &config)
            config.updatedAt = services.clock.now()
            guard try await store.updateDualLLMConfig(config) else { throw notFound(config.id) }
            await services.adminDataChanged()
            return .json(AdminJSON.dualLLMConfig(config))
        }
        group.delete("dual-llm-config/:id") { _, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            guard try await store.deleteDualLLMConfig(id: id) else { throw notFound(id) }
            await services.adminDataChanged()
            return .json(AdminJSON.success)
        }
        registerResults(on: group)
    }

    private func registerResults(on group: RouterGroup<AppRequestContext>) {
        group.get("dual-llm-results") { request, _ -> Response in
            let agentId = try AdminID.optional(request.uri.queryParameters["agentId"].map(String.init), name: "agentId")
            return .json(.array(try await store.listDualLLMResults(agentId: agentId).map(AdminJSON.dualLLMResult)))
        }
        group.get("dual-llm-results/by-tool-call-id/:toolCallId") { _, context -> Response in
            let toolCallId = try context.parameters.require("toolCallId")
            return .json(try await store.latestDualLLMResult(toolCallId: toolCallId).map(AdminJSON.dualLLMResult) ?? .null)
        }
        group.get("dual-llm-results/by-interaction/:id") { _, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            guard let interaction = try await store.interaction(id: id) else {
                throw GatewayError.notFound("Interaction with ID \(id.lowercasedString) not found")
            }
            var results: [JSONValue] = []
            for toolCallId in Self.toolCallIds(of: interaction) {
                if let result = try await store.dualLLMResult(agentId: interaction.agentId, toolCallId: toolCallId) {
                    results.append(AdminJSON.dualLLMResult(result))
                }
            }
            return .json(.array(results))
        }
    }

    /// The tool call ids of the tool results in an interaction's request, read with its provider's adapter.
    static func toolCallIds(of interaction: Interaction) -> [String] {
        guard case .object(let body)? = try? JSONParser.parse(interaction.requestJSON) else { return [] }
        let endpoint = Endpoint(rawValue: interaction.type) ?? .openAIChatCompletions
        return endpoint.adapter.toolResults(in: body).map(\.toolCallId)
    }

    private func apply(modelFieldsOf body: AdminBody, to config: inout DualLLMConfig) throws {
        if let provider = try body.choice("provider", as: Provider.self, required: false) { config.provider = provider }
        if let model = try body.string("model", nonEmpty: true) { config.model = model }
    }

    private func existing(_ context: AppRequestContext) async throws -> DualLLMConfig {
        let id = try AdminID.parse(context.parameters.get("id"))
        guard let config = try await store.dualLLMConfig(id: id) else { throw notFound(id) }
        return config
    }

    private func notFound(_ id: UUID) -> GatewayError {
        .notFound("Dual LLM config with ID \(id.lowercasedString) not found")
    }
}
