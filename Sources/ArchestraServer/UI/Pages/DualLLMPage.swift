import ArchestraCore
import Foundation
import Hummingbird

/// `/ui/dual-llm`: the Dual LLM's switch, model, rounds and prompts, and its latest results.
struct DualLLMPage {
    let ui: UIContext

    /// Results shown, newest first.
    static let resultLimit = 100

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("dual-llm") { request, context -> Response in
            do {
                return try await render(state: context.ui, saved: request.uri.queryParameters["saved"] != nil)
            } catch {
                return ui.errorPage(error, state: context.ui, back: "/")
            }
        }
        group.post("dual-llm") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            do {
                var input = DualLLMService.Input()
                input.enabled = form.checked("enabled")
                input.model = form["model"] ?? ""
                input.mainAgentPrompt = form["mainAgentPrompt"]
                input.quarantinedAgentPrompt = form["quarantinedAgentPrompt"]
                input.summaryPrompt = form["summaryPrompt"]
                guard let provider = form["provider"].flatMap(Provider.init(rawValue:)) else {
                    throw AdminError.invalid("Choose a provider", field: "provider")
                }
                input.provider = provider
                guard let rounds = form["maxRounds"].flatMap({ Int($0) }) else {
                    throw AdminError.invalid("Rounds must be a whole number", field: "maxRounds")
                }
                input.maxRounds = rounds
                let current = try await ui.admin.dualLLM.current()
                _ = try await ui.admin.dualLLM.update(current.id, input)
                return UIRenderer.redirect(to: "/ui/dual-llm?saved=1", state: context.ui)
            } catch let error as AdminError {
                return try await render(state: context.ui, submitted: form, errors: error.fieldErrors, status: .badRequest)
            }
        }
    }

    func render(
        state: UIRequestState, saved: Bool = false, submitted: UIForm? = nil, errors: [String: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let config = try await ui.admin.dualLLM.current()
        var values: [String: Any] = [
            "enabled": config.enabled, "model": config.model, "maxRounds": config.maxRounds,
            "mainAgentPrompt": config.mainAgentPrompt, "quarantinedAgentPrompt": config.quarantinedAgentPrompt,
            "summaryPrompt": config.summaryPrompt,
        ]
        var provider = config.provider.rawValue
        if let submitted {
            // A failed submission keeps what the person typed.
            values["enabled"] = submitted.checked("enabled")
            for field in ["model", "maxRounds", "mainAgentPrompt", "quarantinedAgentPrompt", "summaryPrompt"] {
                values[field] = submitted[field] ?? ""
            }
            provider = submitted["provider"] ?? provider
        }
        let names = Dictionary(try await ui.admin.agents.list().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let results = try await ui.admin.dualLLM.results(agentId: nil)
            .sorted { $0.createdAt > $1.createdAt }
            .prefix(Self.resultLimit)
            .map { result -> [String: Any] in
                var row = LogDetail.dualLlm(result)
                row["agentName"] = names[result.agentId] ?? result.agentId.lowercasedString
                row["rounds"] = result.conversations.filter { $0.role == "assistant" }.count
                return row
            }
        return ui.renderer.page("dual-llm", title: "Dual LLM", section: "dual-llm", state: state, context: [
            "config": values, "saved": saved, "errors": errors, "results": results,
            "providers": Provider.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == provider] as [String: Any] },
        ], status: status)
    }
}
