import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition.
struct MetricsRoutes {
    let metrics: GatewayMetrics

    func register(on router: Router<AppRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
    }
}
