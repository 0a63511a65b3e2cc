import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Times every request for `http_request_duration_seconds`, gives it a request id (the client's `x-request-id` or a
/// new one, echoed on the response and carried in every log line), and logs one line per request at info level:
/// method, route template, status and duration — never a key, a prompt or a tool result.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let requestId = RequestID.accept(request.headers[.xRequestID]) ?? Self.makeRequestId()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestId)
        context.requestId = requestId
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorMiddleware<Context>.response(for: error, logger: context.logger)
        }
        response.headers[.xRequestID] = requestId
        let elapsed = ContinuousClock.now - started
        let route = RouteLabel.of(
            method: request.method.rawValue, target: request.head.path ?? request.uri.path, endpointPath: context.endpointPath
        )
        metrics.httpRequest(method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed)
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.2f", Double(elapsed.nanoseconds) / 1e6)),
            ]
        )
        return response
    }

    static func makeRequestId() -> String {
        UUID().lowercasedString
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("x-request-id")!
}
