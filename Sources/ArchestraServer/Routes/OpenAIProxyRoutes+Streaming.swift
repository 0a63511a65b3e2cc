import ArchestraCore
import ArchestraProviders
import Hummingbird
import NIOCore

extension OpenAIProxyRoutes {
    /// A streamed reply passed through the stream gate: text events go out as they arrive, tool-call events are held
    /// until the stream ends and then released or replaced by the refusal.
    func streamingResponse<Upstream: AsyncSequence & Sendable>(
        status: Int, headers: HTTPFields, body upstream: Upstream, exchange: Exchange
    ) -> Response where Upstream.Element == ByteBuffer {
        let log = services.log
        let body = ResponseBody { writer in
            var stream = OpenAIStreamState()
            do {
                for try await chunk in upstream {
                    let outgoing = stream.receive(chunk)
                    if outgoing.readableBytes > 0 { try await writer.write(outgoing) }
                }
                let closing = stream.finish(exchange: exchange)
                if closing.readableBytes > 0 { try await writer.write(closing) }
                try await writer.finish(nil)
            } catch {
                // The client left or the provider broke off: the record keeps what the client had been sent.
                await exchange.draft.finish(status: status, responseJSON: stream.clientView, evaluation: stream.evaluation(exchange), into: log)
                throw error
            }
            await exchange.draft.finish(status: status, responseJSON: stream.clientView, evaluation: stream.evaluation(exchange), into: log)
        }
        return Response(status: .init(code: status), headers: headers, body: body)
    }
}

/// The per-stream state: SSE framing, the gate, and the two reassembled views (what the provider said, for judging;
/// what the client got, for the record).
struct OpenAIStreamState {
    private var decoder = ServerSentEventDecoder()
    private var gate = StreamGate<ServerSentEvent>()
    private var upstream = OpenAIStreamAssembler()
    private var client = OpenAIStreamAssembler()
    private var calls: [NeutralToolCall] = []
    private var decisions: [InvocationDecision] = []

    /// Feeds provider bytes; returns the bytes to send on now.
    mutating func receive(_ chunk: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        for event in decoder.feed(chunk.readableBytesView) { route(event, into: &out) }
        return out
    }

    private mutating func route(_ event: ServerSentEvent, into out: inout ByteBuffer) {
        upstream.add(data: event.data)
        switch gate.receive(event, carriesToolCall: OpenAIAdapter.chunkCarriesToolCall(event.data)) {
        case .forward(let event):
            client.add(data: event.data)
            out.writeBytes(event.raw)
        case .hold:
            break
        }
    }

    /// Ends the stream: judges the held tool calls and returns the held events or the refusal.
    mutating func finish(exchange: OpenAIProxyRoutes.Exchange) -> ByteBuffer {
        var out = ByteBuffer()
        if let last = decoder.finish() { route(last, into: &out) }
        guard gate.isHolding else { return out }
        let held = gate.finish()
        let completion = upstream.completion()
        calls = OpenAIAdapter.toolCalls(inCompletion: completion)
        let judged = InvocationEvaluator.judgeAll(calls, contextIsTrusted: exchange.context.contextIsTrusted, snapshot: exchange.snapshot)
        decisions = judged.decisions
        if let refused = judged.firstRefused {
            let chunk = OpenAIAdapter.refusalChunk(
                id: completion["id"] ?? .null, created: completion["created"] ?? .null,
                model: .string(exchange.chat.model), refusal: Refusal(call: refused.call, reason: refused.reason)
            )
            let data = JSONWriter.string(chunk)
            client.add(data: data)
            out.writeBytes(ServerSentEvent.encode(data: data))
            out.writeBytes(ServerSentEvent.encode(data: "[DONE]"))
        } else {
            for event in held {
                client.add(data: event.data)
                out.writeBytes(event.raw)
            }
        }
        return out
    }

    /// The reassembled completion the client received, as JSON text.
    var clientView: String { JSONWriter.string(client.completion()) }

    func evaluation(_ exchange: OpenAIProxyRoutes.Exchange) -> InteractionEvaluation {
        InteractionEvaluation(context: exchange.context, calls: calls, decisions: decisions)
    }
}
