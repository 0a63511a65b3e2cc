import ArchestraCore
import ArchestraProviders
import HTTPTypes
import Hummingbird
import NIOCore

extension ProxyPipeline {
    /// A whole (non-streamed) provider reply: forwarded as is, or replaced by a refusal.
    func bufferedResponse(_ response: UpstreamResponse, headers: HTTPFields, exchange: Exchange, callStarted: ContinuousClock.Instant) async throws -> Response {
        let status = response.status.code
        let bodyStarted = ContinuousClock.now
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: services.config.maxUpstreamBodyBytes)
        } catch let error as UpstreamBodyTooLarge {
            exchange.timing.addUpstreamWait(.now - bodyStarted)
            services.metrics.llmRequest(exchange.callLabels, status: status, duration: .now - callStarted, usage: nil)
            throw await fail(.upstreamUnreachable("Upstream provider sent a reply larger than \(error.limit) bytes"), exchange)
        } catch {
            exchange.timing.addUpstreamWait(.now - bodyStarted)
            services.metrics.llmRequest(exchange.callLabels, status: status, duration: .now - callStarted, usage: nil)
            throw await fail(.upstreamUnreachable("Upstream provider closed the connection before the reply was complete"), exchange)
        }
        exchange.timing.addUpstreamWait(.now - bodyStarted)
        let byteArray = Array(bytes.readableBytesView)
        let reply = (try? JSONParser.parse(byteArray))?.objectValue
        let spend = services.spend(
            of: reply.flatMap(adapter.usage(inResponse:)), report: reply.flatMap(adapter.usageReport(inResponse:)), model: exchange.request.model
        )
        services.metrics.llmRequest(exchange.callLabels, status: status, duration: .now - callStarted, usage: spend)
        guard (200..<300).contains(status) else {
            // A provider error goes back verbatim: the client's SDK knows how to read it.
            try await record(exchange, status: status, responseJSON: InteractionDraft.recordable(body: byteArray), spend: spend)
            return Response(status: response.status, headers: headers, body: .init(byteBuffer: bytes))
        }
        guard let reply else {
            throw await fail(.upstreamUnreachable("Upstream provider sent a reply that is not a JSON object"), exchange)
        }
        let body = try await judgeReply(reply, original: byteArray, status: status, exchange: exchange, spend: spend)
        return Response(status: response.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Judges a reply's tool calls and records the exchange; returns the original bytes when every call is allowed,
    /// else the refusal reply.
    func judgeReply(_ reply: JSONObject, original: [UInt8], status: Int, exchange: Exchange, spend: CallSpend) async throws -> [UInt8] {
        let judged = await judgeReply(
            calls: adapter.toolCalls(inResponse: reply), hosted: adapter.hostedResults(inResponse: reply, request: exchange.request),
            responseId: adapter.responseId(of: reply), exchange: exchange
        )
        var body = original
        var sent = JSONValue.object(reply)
        if let refusal = judged.verdict.refusal {
            sent = adapter.refusalResponse(replacing: reply, refusal: refusal)
            body = JSONWriter.bytes(sent)
        }
        try await record(
            exchange, status: status, responseJSON: String(decoding: body, as: UTF8.self), response: sent, judged: judged, spend: spend
        )
        return body
    }

    /// Records a gateway failure for this exchange and returns the error to throw.
    func fail(_ error: GatewayError, _ exchange: Exchange) async -> any Error {
        do {
            try await record(exchange, status: Int(error.status.code), responseJSON: String(buffer: error.body))
        } catch {
            return error
        }
        return error
    }
}
