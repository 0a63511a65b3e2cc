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
                    if !outgoing.isEmpty { try await writer.write(ByteBuffer(bytes: outgoing)) }
                }
                let (trailing, heldCalls) = stream.end()
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
                    try await pipeline.finishStream(stream, judged: judged, status: status.code, exchange: exchange, callStarted: callStarted)
                }
                if !closing.isEmpty { try await writer.write(ByteBuffer(bytes: closing)) }
                try await writer.finish(nil)
            } catch {
                // The client left or the provider broke off: the record keeps what the client had been sent.
                if !recorded {
                    try? await pipeline.finishStream(stream, judged: judged, status: status.code, exchange: exchange, callStarted: callStarted)
                }
                throw error
            }
            if !recorded {
                try? await pipeline.finishStream(stream, judged: judged, status: status.code, exchange: exchange, callStarted: callStarted)
            }
        }
        return Response(status: status, headers: headers, body: body)
    }

    private func finishStream<T>(
        _ stream: GatedStream<T>, judged: JudgedReply?, status: Int, exchange: Exchange, callStarted: ContinuousClock.Instant
    ) async throws {
        services.metrics.llmRequest(exchange.callLabels, status: status, duration: .now - callStarted, usage: stream.usage)
        let clientView = stream.clientView
        try await record(exchange, status: status, responseJSON: JSONWriter.string(clientView), response: clientView, judged: judged)
    }
}
