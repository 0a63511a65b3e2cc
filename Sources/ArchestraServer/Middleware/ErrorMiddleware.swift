import ArchestraProviders
import ArchestraStore
import Hummingbird
import Logging

/// Turns every error into the gateway's error JSON: known ones keep their status, anything unexpected becomes a
/// generic 500 whose detail goes only to the log.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, logger: context.logger)
        }
    }

    /// The response an error becomes: in its vendor's shape when it has one, else the gateway's error JSON.
    static func response(for error: any Error, logger: Logger) -> Response {
        if let error = error as? VendorShapedError { return error.response }
        return gatewayError(for: error, logger: logger).response
    }

    static func gatewayError(for error: any Error, logger: Logger) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case let error as ProviderRequestError:
            return .badRequest(error.message)
        case let error as AdminError:
            return error.gatewayError
        case let error as StoreError:
            if case .corrupt = error { logger.error("unreadable row", metadata: ["error": "\(error)"]) }
            return error.gatewayError
        case let error as HTTPError:
            return translate(error)
        default:
            logger.error("unexpected error while handling request", metadata: ["error": "\(error)"])
            return .internalError
        }
    }

    private static func translate(_ error: HTTPError) -> GatewayError {
        switch error.status {
        case .notFound: return .notFound(error.body ?? "Route not found")
        case .contentTooLarge: return GatewayError(status: .contentTooLarge, type: "request_too_large", message: error.body ?? "Request body too large")
        case .unauthorized: return .unauthorized
        case .methodNotAllowed: return GatewayError(status: .methodNotAllowed, type: "invalid_request_error", message: "Method not allowed")
        default:
            if error.status.code < 500 {
                return GatewayError(status: error.status, type: "invalid_request_error", message: error.body ?? error.status.reasonPhrase)
            }
            return .internalError
        }
    }
}
