import ArchestraCore
import ArchestraProviders
import HTTPTypes
import NIOCore

/// A call to a provider, fully prepared: URL, filtered headers with the right key, body.
struct UpstreamRequest: Sendable {
    var method: HTTPRequest.Method
    var url: String
    var headerFields: HTTPFields
    var body: ByteBuffer?
    /// What the call is for; the canned transport of benchmark mode answers pipeline calls by their endpoint.
    var purpose: UpstreamPurpose
}

/// Why the gateway calls a provider.
enum UpstreamPurpose: Sendable {
    case pipeline(Endpoint, PipelineRequest)
    case dualLLM
    case passThrough
}

/// A provider's answer: status and headers at once, the body as it streams in.
struct UpstreamResponse: Sendable {
    var status: HTTPResponse.Status
    var headerFields: HTTPFields
    var body: UpstreamBody

    /// True when the provider says it sends server-sent events.
    var isEventStream: Bool {
        headerFields[.contentType]?.lowercased().hasPrefix("text/event-stream") ?? false
    }
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

/// The seam between the gateway and the network: swift-http-types in and out, nothing of the HTTP client's own
/// types. One implementation talks to providers; the canned one answers benchmark mode and in-process tests.
protocol UpstreamTransport: Sendable {
    /// Sends a request and returns once the response head arrived; the body streams afterwards. Throws
    /// `UpstreamFailure` (or `CancellationError` when the caller went away).
    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse
}
