import Hummingbird

/// `GET /health` (liveness: the process serves) and `GET /ready` (readiness: this instance should get traffic).
/// Neither asks the database anything: readiness is what the instance already knows.
struct HealthRoutes {
    static let version = "0.1.0"

    let readiness: Readiness

    func register(on router: Router<AppRequestContext>) {
        router.get("/health") { _, _ -> Response in
            .json(["status": "Archestra Platform API", "version": .string(Self.version)])
        }
        router.get("/ready") { _, _ -> Response in
            guard let reason = readiness.notReadyReason else { return .json(["status": "ready"]) }
            var response = Response.json(["status": "not ready", "reason": .string(reason)])
            response.status = .serviceUnavailable
            return response
        }
    }
}
