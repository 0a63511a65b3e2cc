import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/ui/agents`: the agents table, an agent's page (connection URLs, keys, limits, tools), create, rename, delete.
struct AgentPages {
    let ui: UIContext

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("agents") { _, context -> Response in
            do { return try await list(state: context.ui) } catch { return ui.errorPage(error, state: context.ui, back: "/") }
        }
        group.post("agents") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            do {
                let agent = try await ui.admin.agents.create(name: form["name"] ?? "")
                return UIRenderer.redirect(to: "/ui/agents/\(agent.id.lowercasedString)", state: context.ui)
            } catch let error as AdminError {
                return try await list(state: context.ui, form: ["name": form["name"] ?? ""], errors: error.fieldErrors, status: .badRequest)
            }
        }
        group.get("agents/:id") { request, context -> Response in
            do {
                return try await detail(try AdminID.parse(context.parameters.get("id")), request: request, state: context.ui)
            } catch {
                return ui.errorPage(error, state: context.ui, back: "/ui/agents")
            }
        }
        group.post("agents/:id/rename") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            do {
                _ = try await ui.admin.agents.update(id, name: form["name"] ?? "", isDemo: nil)
                return UIRenderer.redirect(to: "/ui/agents/\(id.lowercasedString)", state: context.ui)
            } catch let error as AdminError {
                return try await detail(id, request: request, state: context.ui, renameForm: ["name": form["name"] ?? ""], errors: error.fieldErrors)
            }
        }
        group.get("agents/:id/delete") { _, context -> Response in
            do {
                let id = try AdminID.parse(context.parameters.get("id"))
                let agent = try await ui.admin.agents.get(id)
                let overview = try await ui.store.agentOverviews().first { $0.agent.id == id }
                return ui.renderer.page("agent-delete", title: "Delete \(agent.name)", section: "agents", state: context.ui, context: [
                    "agent": ["id": id.lowercasedString, "name": agent.name], "tools": overview?.tools ?? 0,
                    "interactions": UIFormat.count(overview?.interactions ?? 0),
                ])
            } catch {
                return ui.errorPage(error, state: context.ui, back: "/ui/agents")
            }
        }
        group.post("agents/:id/delete") { request, context -> Response in
            _ = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            try await ui.admin.agents.delete(try AdminID.parse(context.parameters.get("id")))
            return UIRenderer.redirect(to: "/ui/agents", state: context.ui)
        }
        group.post("agents/:id/limits") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            _ = try await ui.admin.agents.get(id)
            let errors = try await LimitForm(ui: ui, agentId: id).save(form)
            guard errors.isEmpty else {
                return try await detail(id, request: request, state: context.ui, limitForm: form, limitErrors: errors)
            }
            return UIRenderer.redirect(to: "/ui/agents/\(id.lowercasedString)#limits", state: context.ui)
        }
        registerKeys(on: group)
    }

    private func registerKeys(on group: RouterGroup<AppRequestContext>) {
        group.post("agents/:id/keys") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            let keyForm = ["name": form["name"] ?? "", "expiresAt": form["expiresAt"] ?? ""]
            do {
                let expiry = UIFormat.parseLocalInput(form["expiresAt"])
                if form.nonEmpty("expiresAt") != nil, expiry == nil { throw AdminError.invalid("Expiry must be a date and time", field: "key") }
                let issued = try await ui.admin.keys.issue(agentId: id, name: form["name"] ?? "", expiresAt: expiry)
                // The secret is shown in this response only; nothing that can be replayed holds it.
                return try await detail(id, request: request, state: context.ui, newSecret: ["name": issued.key.name, "secret": issued.secret])
            } catch let error as AdminError {
                return try await detail(id, request: request, state: context.ui, keyForm: keyForm, errors: ["key": error.message])
            }
        }
        group.post("keys/:id/revoke") { request, context -> Response in
            _ = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let key = try await ui.admin.keys.revoke(try AdminID.parse(context.parameters.get("id")))
            return UIRenderer.redirect(to: "/ui/agents/\(key.agentId.lowercasedString)", state: context.ui)
        }
    }

    func list(state: UIRequestState, form: [String: String] = [:], errors: [String: String] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let agents = try await ui.store.agentOverviews().map { overview -> [String: Any] in
            [
                "id": overview.agent.id.lowercasedString, "name": overview.agent.name, "created": UIFormat.time(overview.agent.createdAt),
                "tools": UIFormat.count(overview.tools), "interactions": UIFormat.count(overview.interactions),
                "lastSeen": UIFormat.time(overview.lastSeen),
            ]
        }
        return ui.renderer.page(
            "agents", title: "Agents", section: "agents", state: state, context: ["agents": agents, "form": form, "errors": errors], status: status
        )
    }

    func detail(
        _ id: UUID, request: Request, state: UIRequestState, renameForm: [String: String]? = nil, keyForm: [String: String] = [:],
        errors: [String: String] = [:], newSecret: [String: String]? = nil, limitForm: UIForm? = nil, limitErrors: [String: String] = [:]
    ) async throws -> Response {
        let agent = try await ui.admin.agents.get(id)
        let tools = try await ui.admin.tools.list(agentId: id)
        let trusted = try await ui.admin.policies.listTrustedData(toolId: nil, agentId: id)
        let invocation = try await ui.admin.policies.listInvocation(toolId: nil, agentId: id)
        let keys = try await ui.admin.keys.list(agentId: id).map { key -> [String: Any] in
            [
                "id": key.id.lowercasedString, "name": key.name, "prefix": key.prefix, "created": UIFormat.time(key.createdAt),
                "lastUsed": UIFormat.time(key.lastUsedAt), "expires": key.expiresAt.map(UIFormat.time) ?? "never",
                "revoked": key.revokedAt.map(UIFormat.time) as Any,
            ]
        }
        let toolRows = tools.map { listing -> [String: Any] in
            let policies = trusted.filter { $0.toolId == listing.tool.id }.count + invocation.filter { $0.toolId == listing.tool.id }.count
            return [
                "id": listing.tool.id.lowercasedString, "name": listing.tool.name, "description": listing.tool.description ?? "",
                "trusted": listing.tool.dataIsTrustedByDefault, "allowed": listing.tool.allowUsageWhenUntrustedDataIsPresent, "policies": policies,
            ]
        }
        var context: [String: Any] = [
            "agent": ["id": id.lowercasedString, "name": agent.name, "created": UIFormat.time(agent.createdAt)],
            "baseURLs": ConnectPage.baseURLs(origin: ConnectPage.origin(of: request, config: ui.proxy.config), agentId: id),
            "keys": keys, "tools": toolRows, "renameForm": renameForm ?? ["name": agent.name], "keyForm": keyForm, "errors": errors,
            "limitRows": try await LimitForm(ui: ui, agentId: id).rows(submitted: limitForm, errors: limitErrors),
        ]
        if let newSecret { context["newSecret"] = newSecret }
        return ui.renderer.page("agent", title: agent.name, section: "agents", state: state, context: context, status: errors.isEmpty && limitErrors.isEmpty ? .ok : .badRequest)
    }
}
