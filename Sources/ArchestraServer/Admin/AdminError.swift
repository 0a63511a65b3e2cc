import ArchestraStore
import Hummingbird

/// Why an admin command cannot be carried out; the same for the JSON API and the web UI.
enum AdminError: Error, Sendable, Equatable {
    /// The input breaks a rule (400); `field` names the input when one field is at fault.
    case invalid(String, field: String? = nil)
    /// What the command names does not exist (404).
    case notFound(String)

    var message: String {
        switch self {
        case .invalid(let message, _), .notFound(let message): message
        }
    }

    var gatewayError: GatewayError {
        switch self {
        case .invalid(let message, _): .badRequest(message)
        case .notFound(let message): .notFound(message)
        }
    }
}

extension StoreError {
    /// How a store failure reaches a client: an unreachable database is the server's trouble for now (503), a
    /// refused row the client's (400); an unreadable row is a bug (500).
    var gatewayError: GatewayError {
        switch self {
        case .unavailable: GatewayError(status: .serviceUnavailable, type: "service_unavailable", message: "The database is unavailable; try again shortly")
        case .rejected(let detail): .badRequest("The database refused the data: \(detail)")
        case .corrupt: .internalError
        }
    }
}
