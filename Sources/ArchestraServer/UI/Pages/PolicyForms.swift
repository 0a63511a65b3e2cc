import ArchestraCore
import Foundation
import Hummingbird

/// The values of one policy form (both kinds share its fields: path, operator, value, action, text).
struct PolicyForm {
    var id: String
    var kind: Kind
    var path: String
    var op: String
    var value: String
    var action: String
    var text: String

    enum Kind { case trusted, invocation }

    static func trusted(_ policy: TrustedDataPolicy?) -> PolicyForm {
        PolicyForm(
            id: policy?.id.lowercasedString ?? "", kind: .trusted, path: policy?.attributePath ?? "", op: policy?.op.rawValue ?? "equal",
            value: policy?.value ?? "", action: policy?.action.rawValue ?? TrustedDataAction.markAsTrusted.rawValue, text: policy?.description ?? ""
        )
    }

    static func invocation(_ policy: ToolInvocationPolicy?) -> PolicyForm {
        PolicyForm(
            id: policy?.id.lowercasedString ?? "", kind: .invocation, path: policy?.argumentName ?? "", op: policy?.op.rawValue ?? "equal",
            value: policy?.value ?? "", action: policy?.action.rawValue ?? ToolInvocationAction.allowWhenContextIsUntrusted.rawValue,
            text: policy?.reason ?? ""
        )
    }

    func with(_ values: [String: String]) -> PolicyForm {
        var form = self
        form.path = values["path"] ?? path
        form.op = values["operator"] ?? op
        form.value = values["value"] ?? value
        form.action = values["action"] ?? action
        form.text = values["text"] ?? text
        return form
    }

    func context(errors: [String: String]) -> [String: Any] {
        let actions: [(String, String)] = kind == .trusted
            ? [("mark_as_trusted", "Mark as trusted"), ("block_always", "Block always")]
            : [("allow_when_context_is_untrusted", "Allow when the context is untrusted"), ("block_always", "Block always")]
        return [
            "id": id, "path": path, "value": value, "text": text, "errors": errors,
            "pathLabel": kind == .trusted ? "Attribute path" : "Argument", "pathHint": kind == .trusted ? "emails[*].from" : "to",
            "textLabel": kind == .trusted ? "Description" : "Reason (shown in the refusal)",
            "operators": PolicyOperator.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0.rawValue == op] as [String: Any] },
            "actions": actions.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == action] as [String: Any] },
        ]
    }
}

/// Create, update and delete of both policy kinds from a tool's page; a failed one re-renders the page with its
/// values and the errors next to its fields.
struct PolicyEditors {
    let ui: UIContext

    func register(on group: RouterGroup<AppRequestContext>) {
        group.post("tools/:id/trusted-data-policies") { request, context -> Response in
            let (form, toolId) = (try await UIForm.verified(request, context: context, limit: ui.bodyLimit), try AdminID.parse(context.parameters.get("id")))
            return try await attempt(form, toolId: toolId, key: "new-trusted", state: context.ui) {
                _ = try await ui.admin.policies.createTrustedData(try trustedInput(form, toolId: toolId))
            }
        }
        group.post("trusted-data-policies/:id") { request, context -> Response in
            let (form, id) = (try await UIForm.verified(request, context: context, limit: ui.bodyLimit), try AdminID.parse(context.parameters.get("id")))
            let policy = try await ui.admin.policies.trustedData(id)
            return try await attempt(form, toolId: policy.toolId, key: "trusted-\(id.lowercasedString)", state: context.ui) {
                _ = try await ui.admin.policies.updateTrustedData(id, try trustedInput(form, toolId: nil))
            }
        }
        group.post("trusted-data-policies/:id/delete") { request, context -> Response in
            _ = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            let policy = try await ui.admin.policies.trustedData(id)
            try await ui.admin.policies.deleteTrustedData(id)
            return UIRenderer.redirect(to: "/ui/tools/\(policy.toolId.lowercasedString)", state: context.ui)
        }
        group.post("tools/:id/tool-invocation-policies") { request, context -> Response in
            let (form, toolId) = (try await UIForm.verified(request, context: context, limit: ui.bodyLimit), try AdminID.parse(context.parameters.get("id")))
            return try await attempt(form, toolId: toolId, key: "new-invocation", state: context.ui) {
                _ = try await ui.admin.policies.createInvocation(try invocationInput(form, toolId: toolId))
            }
        }
        group.post("tool-invocation-policies/:id") { request, context -> Response in
            let (form, id) = (try await UIForm.verified(request, context: context, limit: ui.bodyLimit), try AdminID.parse(context.parameters.get("id")))
            let policy = try await ui.admin.policies.invocation(id)
            return try await attempt(form, toolId: policy.toolId, key: "invocation-\(id.lowercasedString)", state: context.ui) {
                _ = try await ui.admin.policies.updateInvocation(id, try invocationInput(form, toolId: nil))
            }
        }
        group.post("tool-invocation-policies/:id/delete") { request, context -> Response in
            _ = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            let policy = try await ui.admin.policies.invocation(id)
            try await ui.admin.policies.deleteInvocation(id)
            return UIRenderer.redirect(to: "/ui/tools/\(policy.toolId.lowercasedString)", state: context.ui)
        }
    }

    /// Runs a write; on success back to the tool's page, on a rule broken the page again with the form's errors.
    private func attempt(_ form: UIForm, toolId: UUID, key: String, state: UIRequestState, write: () async throws -> Void) async throws -> Response {
        do {
            try await write()
            return UIRenderer.redirect(to: "/ui/tools/\(toolId.lowercasedString)", state: state)
        } catch let error as AdminError {
            let values = ["path", "operator", "value", "action", "text"].reduce(into: [String: String]()) { $0[$1] = form[$1] ?? "" }
            var page = ToolPage(ui: ui, toolId: toolId)
            page.failedForm = (key, values, Self.formErrors(error))
            return try await page.render(state: state)
        }
    }

    /// A service error on the form's own field names.
    static func formErrors(_ error: AdminError) -> [String: String] {
        guard case .invalid(let message, let field) = error else { return ["form": error.message] }
        switch field {
        case "attributePath", "argumentName": return ["path": message]
        case "value": return ["value": message]
        case "description", "reason": return ["text": message]
        default: return ["form": message]
        }
    }

    private func trustedInput(_ form: UIForm, toolId: UUID?) throws -> PolicyService.TrustedDataInput {
        PolicyService.TrustedDataInput(
            toolId: toolId, description: form["text"] ?? "", attributePath: form["path"] ?? "", op: try choice(form, "operator"),
            value: form["value"] ?? "", action: try choice(form, "action")
        )
    }

    private func invocationInput(_ form: UIForm, toolId: UUID?) throws -> PolicyService.InvocationInput {
        let reason = form.nonEmpty("text")
        return PolicyService.InvocationInput(
            toolId: toolId, argumentName: form["path"] ?? "", op: try choice(form, "operator"), value: form["value"] ?? "",
            action: try choice(form, "action"), reason: .some(reason)
        )
    }

    private func choice<T: RawRepresentable>(_ form: UIForm, _ field: String) throws -> T where T.RawValue == String {
        guard let raw = form[field], let value = T(rawValue: raw) else { throw AdminError.invalid("Choose a valid \(field)", field: field) }
        return value
    }
}
