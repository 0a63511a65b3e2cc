import ArchestraCore
import Foundation
import Hummingbird

/// `/api/dual-llm-config` and `/api/dual-llm-results`: the quarantine's settings and what it concluded.
struct DualLLMRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("dual-llm-config/default") { _, _ -> Response in
            .json(AdminJSON.dualLLMConfig(try await admin.dualLLM.current()))
        }
        group.get("dual-llm-config") { _, _ -> Response in
            .json(.array(try await admin.dualLLM.list().map(AdminJSON.dualLLMConfig)))
        }
        group.post("dual-llm-config") { request, _ -> Response in
            let input = try Self.input(try await AdminBody(request, limit: bodyLimit), creating: true)
            return .json(AdminJSON.dualLLMConfig(try await admin.dualLLM.create(input)))
        }
        group.get("dual-llm-config/:id") { _, context -> Response in
            .json(AdminJSON.dualLLMConfig(try await admin.dualLLM.get(try AdminID.parse(context.parameters.get("id")))))
        }
        group.put("dual-llm-config/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let input = try Self.input(try await AdminBody(request, limit: bodyLimit), creating: false)
            return .json(AdminJSON.dualLLMConfig(try await admin.dualLLM.update(id, input)))
        }
        group.delete("dual-llm-config/:id") { _, context -> Response in
            try await admin.dualLLM.delete(try AdminID.parse(context.parameters.get("id")))
            return .json(AdminJSON.success)
        }
        group.get("dual-llm-results") { request, _ -> Response in
            let agentId = try AdminID.optional(request.uri.queryParameters["agentId"].map(String.init), name: "agentId")
            return .json(.array(try await admin.dualLLM.results(agentId: agentId).map(AdminJSON.dualLLMResult)))
        }
        group.get("dual-llm-results/by-tool-call-id/:toolCallId") { _, context -> Response in
            let toolCallId = try context.parameters.require("toolCallId")
            return .json(try await admin.dualLLM.result(toolCallId: toolCallId).map(AdminJSON.dualLLMResult) ?? .null)
        }
        group.get("dual-llm-results/by-interaction/:id") { _, context -> Response in
            let results = try await admin.dualLLM.results(ofInteraction: try AdminID.parse(context.parameters.get("id")))
            return .json(.array(results.map(AdminJSON.dualLLMResult)))
        }
    }

    static func input(_ body: AdminBody, creating: Bool) throws -> DualLLMService.Input {
        DualLLMService.Input(
            enabled: try body.bool("enabled"), mainAgentPrompt: try body.string("mainAgentPrompt", required: creating),
            quarantinedAgentPrompt: try body.string("quarantinedAgentPrompt", required: creating),
            summaryPrompt: try body.string("summaryPrompt", required: creating),
            maxRounds: try body.integer("maxRounds", in: DualLLMConfig.roundLimits),
            provider: try body.choice("provider", as: Provider.self, required: false), model: try body.string("model", nonEmpty: true)
        )
    }
}
