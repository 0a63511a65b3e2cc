import ArchestraCore
import ArchestraProviders
import HTTPTypes
import Hummingbird
import NIOCore

extension ProxyPipeline {
    /// A streamed reply through the stream gate: events go out as they arrive until one carries a tool call; from
    /// then on they are held until the stream ends, then the calls are judged and the decision applied.
    func streamingResponse(
        status: HTTPResponse.Status, headers: HTTPFields, body upstream: UpstreamBody, exchange: Exchange, callStarted: ContinuousClock.Instant
    ) -> Response {
        let pipeline = self
        let body = ResponseBody { writer in
            var status = status
            var stream = GatedStream(pipeline.adapter.makeStream(for: exchange.request))
            var judged: JudgedReply?
            var recorded = false
            var firstTokenAt: ContinuousClock.Instant?
            do {
                var iterator = upstream.makeAsyncIterator()
                while true {
                    let waitStarted = ContinuousClock.now
                    guard let chunk = try await iterator.next() else { break }
                    exchange.timing.addUpstreamWait(.now - waitStarted)
                    guard stream.receivedBytes + chunk.readableBytes <= pipeline.services.config.maxUpstreamBodyBytes else {
                        // Too late for a 502 status: the stream is cut, and recorded as the 502 it would have been.
                        status = .badGateway
                        throw UpstreamBodyTooLarge(limit: pipeline.services.config.maxUpstreamBodyBytes)
                    }
                    let outgoing = stream.receive(chunk.readableBytesView)
                    if firstTokenAt == nil, stream.sawFirstToken { firstTokenAt = .now }
                    if !outgoing.isEmpty { try await writer.write(ByteBuffer(bytes: outgoing)) }
                }
                let (trailing, heldCalls) = stream.end()
                if firstTokenAt == nil, stream.sawFirstToken { firstTokenAt = .now }
                if !trailing.isEmpty { try await writer.write(ByteBuffer(bytes: trailing)) }
                if heldCalls?.isEmpty == true {
                    // Held events with no call to judge cannot be vouched for: refused.
                    judged = .unreadableStream
                } else {
                    judged = await pipeline.judgeReply(
                        calls: heldCalls ?? [], hosted: stream.hostedResults, responseId: stream.responseId, exchange: exchange
                    )
                }
                let closing = stream.conclude(refusing: judged?.verdict.refusal)
                if pipeline.services.config.logWriter.durability == .sync {
                    // The stream's last bytes wait for its record: a client that got the whole reply has it stored.
                    recorded = true
                    try await pipeline.finishStream(
                        stream, judged: judged, status: status.code, exchange: exchange, callStarted: callStarted, firstTokenAt: firstTokenAt
                    )
                }
                if !closing.isEmpty { try await writer.write(ByteBuffer(bytes: closing)) }
                try await writer.finish(nil)
            } catch {
                // The client left or the provider broke off: the record keeps what the client had been sent.
                if !recorded {
                    try? await pipeline.finishStream(
                        stream, judged: judged, status: status.code, exchange: exchange, callStarted: callStarted, firstTokenAt: firstTokenAt
                    )
                }
                throw error
            }
            if !recorded {
                try? await pipeline.finishStream(
                    stream, judged: judged, status: status.code, exchange: exchange, callStarted: callStarted, firstTokenAt: firstTokenAt
                )
            }
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Counts and records a stream that ended. The time to first token is the call's in the metric (the provider's
    /// speed) and the request's in the record (what the client waited, like its duration).
    private func finishStream<T>(
        _ stream: GatedStream<T>, judged: JudgedReply?, status: Int, exchange: Exchange, callStarted: ContinuousClock.Instant,
        firstTokenAt: ContinuousClock.Instant?
    ) async throws {
        let spend = services.spend(of: stream.usage, report: stream.usageReport, model: exchange.request.model)
        services.metrics.llmRequest(exchange.callLabels, status: status, duration: .now - callStarted, usage: spend)
        if let firstTokenAt { services.metrics.firstToken(exchange.callLabels, after: firstTokenAt - callStarted) }
        let clientView = stream.clientView
        try await record(
            exchange, status: status, responseJSON: JSONWriter.string(clientView), response: clientView, judged: judged, spend: spend,
            firstTokenMs: firstTokenAt.map { Double(exchange.timing.elapsed(at: $0).nanoseconds) / 1e6 }
        )
    }
}
