import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A request to a provider, fully prepared (URL, filtered headers, key).
struct UpstreamRequest: Sendable {
    var method: HTTPMethod
    var url: String
    var headers: HTTPHeaders
    var body: ByteBuffer?
}

/// Why a provider call produced no response head.
enum UpstreamFailure: Error, Sendable {
    /// Unreachable, refused, reset or closed before answering: 502.
    case unreachable(String)
    /// No response head within the timeout: 504.
    case timedOut

    var gatewayError: GatewayError {
        switch self {
        case .unreachable(let detail): .upstreamUnreachable("Upstream provider unreachable: \(detail)")
        case .timedOut: .upstreamTimeout("Upstream provider did not respond in time")
        }
    }
}

/// The seam between the pipeline and the network.
protocol UpstreamClient: Sendable {
    /// Sends a request and returns once the response head arrived; the body streams afterwards.
    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> HTTPClientResponse
}
