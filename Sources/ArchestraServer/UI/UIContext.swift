import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// What every UI page needs.
struct UIContext: Sendable {
    let renderer: UIRenderer
    let admin: AdminServices
    let proxy: ProxyServices
    let session: UISession

    var store: any Store { proxy.store }
    var bodyLimit: Int { proxy.config.maxBodyBytes }

    /// An HTML page for an error a person can act on (a missing agent, a bad id).
    func errorPage(_ error: any Error, state: UIRequestState, back: String) -> Response {
        let (status, heading, message): (HTTPResponse.Status, String, String) = switch error {
        case AdminError.notFound(let message): (.notFound, "Not found", message)
        case let error as AdminError: (.badRequest, "Not possible", error.message)
        case let error as GatewayError: (error.status, "Error", error.message)
        default: (.serviceUnavailable, "Unavailable", "The gateway could not read its store; try again shortly.")
        }
        return renderer.page(
            "error", title: heading, section: "", state: state, context: ["heading": heading, "message": message, "back": back], status: status
        )
    }

    /// The agents as `<option>`s, one selected.
    func agentOptions(selected: UUID?) async throws -> [[String: Any]] {
        try await admin.agents.list().map { ["id": $0.id.lowercasedString, "name": $0.name, "selected": $0.id == selected] }
    }
}

extension AdminError {
    /// The field an invalid input names, as the UI's error map.
    var fieldErrors: [String: String] {
        switch self {
        case .invalid(let message, let field): [field ?? "form": message]
        case .notFound(let message): ["form": message]
        }
    }
}
