import ArchestraCore
import ArchestraProviders
import HTTPTypes
import NIOCore

/// A transport that answers from memory: benchmark mode's canned replies, and scripted providers in tests. A new
/// endpoint needs no new fake server: its adapter's mock reply is the canned answer.
struct CannedTransport: UpstreamTransport {
    let respond: @Sendable (UpstreamRequest) async throws -> UpstreamResponse

    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        try await respond(request)
    }

    /// Benchmark mode: every pipeline call answered with its endpoint's canned reply (streamed when asked), no
    /// provider called. `created` is the current Unix time.
    static func benchmarkMock(clock: any WallClock) -> CannedTransport {
        CannedTransport { request in
            guard case .pipeline(let endpoint, let pipelineRequest) = request.purpose else {
                throw UpstreamFailure.unreachable("benchmark mode answers pipeline calls only")
            }
            let created = Int(clock.now().timeIntervalSince1970)
            let adapter = endpoint.adapter
            if pipelineRequest.stream {
                let events = adapter.mockStream(for: pipelineRequest, created: created).map { ByteBuffer(bytes: $0) }
                return UpstreamResponse(
                    status: .ok, headerFields: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                    body: UpstreamBody(buffers: events)
                )
            }
            let reply = JSONWriter.bytes(adapter.mockResponse(for: pipelineRequest, created: created))
            return UpstreamResponse(
                status: .ok, headerFields: [.contentType: "application/json"], body: UpstreamBody(buffers: [ByteBuffer(bytes: reply)])
            )
        }
    }
}
