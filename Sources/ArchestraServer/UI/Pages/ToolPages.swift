import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/ui/tools`: every tool by agent, declaring one ahead of its agent, and a tool's page with its flags, both
/// policy editors and the policy tester.
struct ToolPages {
    let ui: UIContext

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("tools") { request, context -> Response in
            let agentId = request.uri.queryParameters["agentId"].flatMap { UUID(uuidString: String($0)) }
            do { return try await list(agentId: agentId, state: context.ui) } catch { return ui.errorPage(error, state: context.ui, back: "/") }
        }
        group.post("tools") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let agentId = form["agentId"].flatMap(UUID.init(uuidString:))
            do {
                guard let agentId else { throw AdminError.invalid("Choose an agent", field: "agentId") }
                let tool = try await ui.admin.tools.declare(
                    agentId: agentId, name: form["name"] ?? "", description: form.nonEmpty("description"), parameters: nil
                )
                return UIRenderer.redirect(to: "/ui/tools/\(tool.id.lowercasedString)", state: context.ui)
            } catch let error as AdminError {
                let values = ["name": form["name"] ?? "", "description": form["description"] ?? ""]
                return try await list(agentId: agentId, state: context.ui, declareForm: values, errors: error.fieldErrors, status: .badRequest)
            }
        }
        group.get("tools/:id") { _, context -> Response in
            do {
                return try await ToolPage(ui: ui, toolId: try AdminID.parse(context.parameters.get("id"))).render(state: context.ui)
            } catch {
                return ui.errorPage(error, state: context.ui, back: "/ui/tools")
            }
        }
        group.post("tools/:id/flags") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            _ = try await ui.admin.tools.setFlags(
                id, allowUsageWhenUntrustedDataIsPresent: form.checked("allowUsageWhenUntrustedDataIsPresent"),
                dataIsTrustedByDefault: form.checked("dataIsTrustedByDefault")
            )
            return UIRenderer.redirect(to: "/ui/tools/\(id.lowercasedString)", state: context.ui)
        }
        PolicyEditors(ui: ui).register(on: group)
        PolicyTester(ui: ui).register(on: group)
    }

    func list(
        agentId: UUID?, state: UIRequestState, declareForm: [String: String] = [:], errors: [String: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let listings = try await ui.admin.tools.list(agentId: agentId)
        let trusted = try await ui.admin.policies.listTrustedData(toolId: nil, agentId: agentId)
        let invocation = try await ui.admin.policies.listInvocation(toolId: nil, agentId: agentId)
        let tools = listings.map { listing -> [String: Any] in
            let tool = listing.tool
            let parameters = JSONWriter.string(tool.parameters)
            return [
                "id": tool.id.lowercasedString, "name": tool.name, "agentId": tool.agentId.lowercasedString, "agentName": listing.agentName,
                "description": tool.description ?? "", "parameters": parameters.count > 120 ? String(parameters.prefix(120)) + "…" : parameters,
                "trusted": tool.dataIsTrustedByDefault, "allowed": tool.allowUsageWhenUntrustedDataIsPresent,
                "policies": trusted.filter { $0.toolId == tool.id }.count + invocation.filter { $0.toolId == tool.id }.count,
            ]
        }
        return ui.renderer.page("tools", title: "Tools & policies", section: "tools", state: state, context: [
            "tools": tools, "agentOptions": try await ui.agentOptions(selected: agentId), "declareForm": declareForm, "errors": errors,
        ], status: status)
    }
}

/// One tool's page: what the template needs, with the forms' values and errors when a submission failed.
struct ToolPage {
    let ui: UIContext
    let toolId: UUID
    /// The form that failed (`new-trusted`, `trusted-<id>`, …), its submitted values and its errors.
    var failedForm: (key: String, values: [String: String], errors: [String: String])?
    var resultTest: [String: Any] = [:]
    var callTest: [String: Any] = [:]

    init(ui: UIContext, toolId: UUID) {
        self.ui = ui
        self.toolId = toolId
    }

    func render(state: UIRequestState) async throws -> Response {
        let tool = try await ui.admin.tools.get(toolId)
        let agent = try await ui.admin.agents.get(tool.agentId)
        let trusted = try await ui.admin.policies.listTrustedData(toolId: toolId, agentId: nil).reversed()
        let invocation = try await ui.admin.policies.listInvocation(toolId: toolId, agentId: nil).reversed()
        let recent = try await PolicyTester(ui: ui).recentResults(of: tool)
        let context: [String: Any] = [
            "tool": [
                "id": tool.id.lowercasedString, "name": tool.name, "description": tool.description ?? "", "agentId": agent.id.lowercasedString,
                "agentName": agent.name, "parameters": JSONWriter.prettyString(tool.parameters), "trusted": tool.dataIsTrustedByDefault,
                "allowed": tool.allowUsageWhenUntrustedDataIsPresent,
            ] as [String: Any],
            "trustedPolicies": trusted.map { form("trusted-\($0.id.lowercasedString)", PolicyForm.trusted($0)) },
            "newTrusted": form("new-trusted", PolicyForm.trusted(nil)),
            "invocationPolicies": invocation.map { form("invocation-\($0.id.lowercasedString)", PolicyForm.invocation($0)) },
            "newInvocation": form("new-invocation", PolicyForm.invocation(nil)),
            "recentResults": recent.map { ["index": $0.key, "label": $0.label] }, "hasRecentResults": !recent.isEmpty,
            "resultTest": resultTest, "callTest": callTest,
        ]
        let failed = failedForm != nil
        return ui.renderer.page("tool", title: tool.name, section: "tools", state: state, context: context, status: failed ? .badRequest : .ok)
    }

    /// A policy form's values, replaced by the submitted ones (with their errors) when it is the one that failed.
    private func form(_ key: String, _ base: PolicyForm) -> [String: Any] {
        guard let failedForm, failedForm.key == key else { return base.context(errors: [:]) }
        return base.with(failedForm.values).context(errors: failedForm.errors)
    }
}
