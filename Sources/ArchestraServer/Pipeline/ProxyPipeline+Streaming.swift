import ArchestraCore
import ArchestraProviders
import Hummingbird
import NIOCore

extension ProxyPipeline {
    /// A streamed reply through the stream gate (§3.5): events go out as they arrive until one carries a tool call;
    /// from then on they are held until the stream ends, then released or replaced by the refusal.
    func streamingResponse<Upstream: AsyncSequence & Sendable>(
        status: Int, headers: HTTPFields, body upstream: Upstream, exchange: Exchange, callStarted: ContinuousClock.Instant
    ) -> Response where Upstream.Element == ByteBuffer {
        let pipeline = self
        let body = ResponseBody { writer in
            var stream = GatedStream(assembly: pipeline.adapter.makeStreamAssembly(for: exchange.request))
            do {
                var iterator = upstream.makeAsyncIterator()
                while true {
                    let waitStarted = ContinuousClock.now
                    guard let chunk = try await iterator.next() else { break }
                    exchange.timing.addUpstreamWait(.now - waitStarted)
                    let outgoing = stream.receive(chunk)
                    if outgoing.readableBytes > 0 { try await writer.write(outgoing) }
                }
                let closing = pipeline.closeStream(&stream, exchange: exchange)
                if closing.readableBytes > 0 { try await writer.write(closing) }
                try await writer.finish(nil)
            } catch {
                // The client left or the provider broke off: the record keeps what the client had been sent.
                await pipeline.finishStream(stream, status: status, exchange: exchange, callStarted: callStarted)
                throw error
            }
            await pipeline.finishStream(stream, status: status, exchange: exchange, callStarted: callStarted)
        }
        return Response(status: .init(code: status), headers: headers, body: body)
    }

    /// Judges the held tool calls at the end of the stream; returns the bytes that close it.
    private func closeStream(_ stream: inout GatedStream<Adapter.StreamAssembly>, exchange: Exchange) -> ByteBuffer {
        let judgingStarted = ContinuousClock.now
        defer { services.metrics.policyEvaluation(duration: .now - judgingStarted) }
        return stream.finish { calls in
            let judged = InvocationEvaluator.judgeAll(calls, contextIsTrusted: exchange.context.contextIsTrusted, snapshot: exchange.snapshot)
            if let refused = judged.firstRefused {
                services.metrics.blockedTool(provider: adapter.provider, agent: exchange.agent, toolName: refused.call.name)
            }
            return judged
        }
    }

    private func finishStream(_ stream: GatedStream<Adapter.StreamAssembly>, status: Int, exchange: Exchange, callStarted: ContinuousClock.Instant) async {
        services.metrics.llmRequest(exchange.callLabels, status: status, duration: .now - callStarted, usage: stream.assembly.usage())
        await record(
            exchange, status: status, responseJSON: JSONWriter.string(stream.assembly.clientView()),
            calls: stream.calls, decisions: stream.decisions
        )
    }
}

/// SSE framing, the gate and the provider's assembly for one stream.
struct GatedStream<Assembly: ProviderStreamAssembly> {
    private var decoder = ServerSentEventDecoder()
    private var gate = StreamGate<ServerSentEvent>()
    private(set) var assembly: Assembly
    private(set) var calls: [NeutralToolCall] = []
    private(set) var decisions: [InvocationDecision] = []

    init(assembly: Assembly) {
        self.assembly = assembly
    }

    /// Feeds provider bytes; returns the bytes to send on now.
    mutating func receive(_ chunk: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        for event in decoder.feed(chunk.readableBytesView) { route(event, into: &out) }
        return out
    }

    private mutating func route(_ event: ServerSentEvent, into out: inout ByteBuffer) {
        let carriesToolCall = assembly.observeUpstream(event)
        switch gate.receive(event, carriesToolCall: carriesToolCall) {
        case .forward(let event):
            assembly.observeClient(event)
            out.writeBytes(event.raw)
        case .hold:
            break
        }
    }

    /// Ends the stream: when events were held, `judge` decides on the reassembled calls; returns the held events or
    /// the refusal events.
    mutating func finish(
        judge: ([NeutralToolCall]) -> (decisions: [InvocationDecision], firstRefused: (call: NeutralToolCall, reason: String)?)
    ) -> ByteBuffer {
        var out = ByteBuffer()
        if let last = decoder.finish() { route(last, into: &out) }
        guard gate.isHolding else { return out }
        let held = gate.finish()
        calls = assembly.toolCalls()
        let judged = judge(calls)
        decisions = judged.decisions
        if let refused = judged.firstRefused {
            out.writeBytes(assembly.refusalEvents(Refusal(call: refused.call, reason: refused.reason)))
        } else {
            for event in held {
                assembly.observeClient(event)
                out.writeBytes(event.raw)
            }
        }
        return out
    }
}
