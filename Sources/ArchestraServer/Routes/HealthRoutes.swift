import Hummingbird

/// `GET /health`.
struct HealthRoutes {
    static let version = "0.1.0"

    func register(on router: Router<AppRequestContext>) {
        router.get("/health") { _, _ -> Response in
            .json(["status": "Archestra Platform API", "version": .string(Self.version)])
        }
    }
}
