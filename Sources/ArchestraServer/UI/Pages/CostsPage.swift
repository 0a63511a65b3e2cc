import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/ui/costs`: the limits for all agents together, and the token prices interactions are charged with (the
/// built-in ones and the operator's, each editable). Every write goes through the admin services.
struct CostsPage {
    let ui: UIContext

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("costs") { _, context -> Response in
            do { return try await render(state: context.ui) } catch { return ui.errorPage(error, state: context.ui, back: "/") }
        }
        group.post("costs/limits") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let errors = try await LimitForm(ui: ui, agentId: nil).save(form)
            guard errors.isEmpty else { return try await render(state: context.ui, limitForm: form, limitErrors: errors) }
            return UIRenderer.redirect(to: "/ui/costs#limits", state: context.ui)
        }
        group.post("costs/prices") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            do {
                _ = try await ui.admin.tokenPrices.create(try Self.fields(form, model: form["model"] ?? ""))
                return UIRenderer.redirect(to: "/ui/costs#prices", state: context.ui)
            } catch let error as AdminError {
                return try await render(state: context.ui, priceForm: form, priceError: (nil, error.message))
            }
        }
        group.post("costs/prices/:id") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            do {
                _ = try await ui.admin.tokenPrices.update(id, try Self.fields(form, model: nil))
                return UIRenderer.redirect(to: "/ui/costs#prices", state: context.ui)
            } catch let error as AdminError {
                return try await render(state: context.ui, priceError: (id, error.message))
            }
        }
        group.post("costs/prices/:id/delete") { request, context -> Response in
            _ = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let id = try AdminID.parse(context.parameters.get("id"))
            do {
                try await ui.admin.tokenPrices.delete(id)
                return UIRenderer.redirect(to: "/ui/costs#prices", state: context.ui)
            } catch let error as AdminError {
                return try await render(state: context.ui, priceError: (id, error.message))
            }
        }
    }

    /// A price form's fields; an empty cached price means none (cached tokens are charged as input).
    static func fields(_ form: UIForm, model: String?) throws -> TokenPriceService.Fields {
        func amount(_ name: String, label: String) throws -> Double? {
            guard let text = form.nonEmpty(name)?.trimmingCharacters(in: .whitespaces) else { return nil }
            guard let value = Double(text) else { throw AdminError.invalid("\(label) must be a number (USD per million tokens)", field: name) }
            return value
        }
        let cached = try amount("cachedInputPerMillion", label: "The cached-input price")
        return TokenPriceService.Fields(
            model: model.map { $0.trimmingCharacters(in: .whitespaces) },
            inputPerMillion: try amount("inputPerMillion", label: "The input price"),
            cachedInputPerMillion: .some(cached), outputPerMillion: try amount("outputPerMillion", label: "The output price"),
            source: nil
        )
    }

    func render(
        state: UIRequestState, limitForm: UIForm? = nil, limitErrors: [String: String] = [:], priceForm: UIForm? = nil,
        priceError: (id: UUID?, message: String)? = nil
    ) async throws -> Response {
        let prices = try await ui.admin.tokenPrices.list().map { price -> [String: Any] in
            [
                "id": price.id.lowercasedString, "model": price.model, "input": Self.number(price.inputPerMillion),
                "cached": price.cachedInputPerMillion.map(Self.number) ?? "", "output": Self.number(price.outputPerMillion),
                "builtIn": price.builtIn, "source": price.source ?? "", "updated": UIFormat.time(price.updatedAt),
                "error": priceError?.id == price.id ? priceError?.message ?? "" : "",
            ]
        }
        let newPrice: [String: Any] = [
            "model": priceForm?["model"] ?? "", "input": priceForm?["inputPerMillion"] ?? "",
            "cached": priceForm?["cachedInputPerMillion"] ?? "", "output": priceForm?["outputPerMillion"] ?? "",
            "error": priceError.flatMap { $0.id == nil ? $0.message : nil } ?? "",
        ]
        let context: [String: Any] = [
            "limitRows": try await LimitForm(ui: ui, agentId: nil).rows(submitted: limitForm, errors: limitErrors),
            "prices": prices, "newPrice": newPrice,
        ]
        let failed = !limitErrors.isEmpty || priceError != nil
        return ui.renderer.page("costs", title: "Costs & limits", section: "costs", state: state, context: context, status: failed ? .badRequest : .ok)
    }

    /// A price as typed: no trailing zeros.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
