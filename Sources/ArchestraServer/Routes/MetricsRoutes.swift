import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition.
struct MetricsRoutes {
    let metrics: GatewayMetrics
    /// `ARCHESTRA_METRICS_TOKEN`: when set, scrapers must send it as a bearer token.
    let token: String?

    func register(on router: Router<AppRequestContext>) {
        router.get("/metrics") { request, _ -> Response in
            if let token, !BearerToken.matches(request.headers[.authorization], token: token) {
                throw GatewayError(status: .unauthorized, type: "authentication_error", message: "Missing or invalid metrics token")
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
    }
}
