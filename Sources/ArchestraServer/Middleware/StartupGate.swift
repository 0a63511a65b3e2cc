import ArchestraStore
import Hummingbird

/// Holds requests that need the database until startup (migrations) is over, at most `patience`; then 503. The
/// probes and metrics answer at once.
struct StartupGate<Context: RequestContext>: RouterMiddleware {
    let readiness: Readiness
    var patience: Duration = .seconds(30)

    static var ungated: Set<String> { ["/health", "/ready", "/metrics"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.ungated.contains(request.uri.path) { return try await next(request, context) }
        guard await readiness.waitUntilStarted(timeout: patience) else {
            throw GatewayError(
                status: .serviceUnavailable, type: "unavailable", message: readiness.notReadyReason ?? "The gateway is starting"
            )
        }
        return try await next(request, context)
    }
}

/// Answers the admin API at once with 503 while the database is known to be unreachable, instead of letting each
/// request wait for a connection that will not come.
struct StoreAvailabilityGuard<Context: RequestContext>: RouterMiddleware {
    let health: StoreHealth

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard health.isReachable else {
            throw GatewayError(
                status: .serviceUnavailable, type: "unavailable",
                message: "The gateway's database is unreachable; the proxy keeps serving, the admin API returns when it does"
            )
        }
        return try await next(request, context)
    }
}
