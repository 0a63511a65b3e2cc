import ArchestraCore
import Foundation

/// The four limits of one scope (an agent, or all agents together) as one form: a value per kind, empty for none,
/// with what was used in the current window beside it. Saving creates, changes or removes each limit through the
/// admin service, so the UI follows the API's rules.
struct LimitForm {
    let ui: UIContext
    let agentId: UUID?

    static func label(_ kind: LimitKind) -> (name: String, unit: String) {
        switch kind {
        case .requestsPerMinute: ("Requests per minute", "requests")
        case .tokensPerDay: ("Tokens per day (UTC)", "tokens")
        case .costUsdPerDay: ("Cost per day (UTC)", "USD")
        case .costUsdPerMonth: ("Cost per month (UTC)", "USD")
        }
    }

    /// The form's rows; `submitted` refills the values after a refused save.
    func rows(submitted: UIForm? = nil, errors: [String: String] = [:]) async throws -> [[String: Any]] {
        let limits = try await current()
        let scope = agentId.map(LimitScope.agent) ?? .global
        let now = ui.proxy.clock.now()
        return LimitKind.allCases.map { kind -> [String: Any] in
            let limit = limits[kind]
            let used = ui.proxy.limits.used(kind, scope: scope, at: now)
            let usedText = kind.countsWholeUnits ? UIFormat.count(Int(used)) : UIFormat.dollars(USDAmount(nanodollars: used))
            return [
                "kind": kind.rawValue, "label": Self.label(kind).name, "unit": Self.label(kind).unit,
                "step": kind.countsWholeUnits ? "1" : "any",
                "value": submitted?[kind.rawValue] ?? limit.map(Self.text) ?? "", "used": usedText,
                "set": limit != nil, "error": errors[kind.rawValue] ?? "",
            ]
        }
    }

    /// Saves every kind; returns the errors by kind (empty when all were saved).
    func save(_ form: UIForm) async throws -> [String: String] {
        let limits = try await current()
        var errors: [String: String] = [:]
        for kind in LimitKind.allCases {
            let text = (form[kind.rawValue] ?? "").trimmingCharacters(in: .whitespaces)
            do {
                switch (limits[kind], text.isEmpty) {
                case (nil, true): continue
                case (let existing?, true): try await ui.admin.limits.delete(existing.id)
                case (let existing, false):
                    guard let value = Double(text) else { throw AdminError.invalid("must be a number") }
                    if let existing {
                        if existing.value != value { _ = try await ui.admin.limits.update(existing.id, .init(value: value)) }
                    } else {
                        _ = try await ui.admin.limits.create(.init(agentId: .some(agentId), kind: kind, value: value))
                    }
                }
            } catch let error as AdminError {
                errors[kind.rawValue] = error.message.replacingOccurrences(of: "Field 'value' ", with: "")
            }
        }
        return errors
    }

    private func current() async throws -> [LimitKind: UsageLimit] {
        let limits = try await ui.admin.limits.list(agentId: agentId).filter { $0.agentId == agentId }
        return Dictionary(limits.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func text(_ limit: UsageLimit) -> String {
        limit.kind.countsWholeUnits ? String(Int64(limit.value)) : USDAmount(dollars: limit.value).map(\.description) ?? "\(limit.value)"
    }
}
