import ArchestraCore

/// The stream gate over one provider stream: SSE framing, the endpoint's transducer, and the hold.
///
/// Events go out as they arrive until one carries a tool call; from then on they are held. When the provider's
/// stream ends, `end()` hands back the reassembled calls for judging, and `conclude(refusing:)` turns the decision
/// into bytes: the held events unchanged, or the refusal events. The caller judges; this type only carries bytes.
public struct GatedStream<Transducer: StreamTransducer>: Sendable {
    private var decoder = ServerSentEventDecoder()
    private var transducer: Transducer
    /// What the client had been sent when the hold began.
    private var atHold: Transducer?
    private var held: [UInt8] = []
    private var refused = false
    /// Bytes received from the provider so far.
    public private(set) var receivedBytes = 0
    /// True once an event carried generated output.
    public private(set) var sawFirstToken = false

    public init(_ transducer: Transducer) {
        self.transducer = transducer
    }

    /// True once an event carried a tool call.
    public var isHolding: Bool { atHold != nil }

    /// Feeds provider bytes; returns the bytes to send on now.
    public mutating func receive<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        receivedBytes += bytes.count
        var out: [UInt8] = []
        for event in decoder.feed(bytes) { route(event, into: &out) }
        return out
    }

    private mutating func route(_ event: ServerSentEvent, into out: inout [UInt8]) {
        let (observation, carriesToolCall) = transducer.observe(event)
        if !sawFirstToken, transducer.carriesFirstToken(observation) { sawFirstToken = true }
        // The copy is taken once, before the first tool-call event is folded: what the client has been sent.
        if atHold == nil, carriesToolCall { atHold = transducer }
        transducer.fold(observation)
        if atHold == nil {
            out += event.raw
        } else {
            held += event.raw
        }
    }

    /// The provider's stream ended: returns the bytes still to send before judging, and the reassembled tool
    /// calls when events are held (nil when nothing is held and the stream is complete as sent).
    public mutating func end() -> (bytes: [UInt8], heldCalls: [NeutralToolCall]?) {
        var out: [UInt8] = []
        if let last = decoder.finish() { route(last, into: &out) }
        return (out, isHolding ? transducer.toolCalls() : nil)
    }

    /// The decision on the held calls as bytes: the held events when nothing is refused, else the refusal events.
    public mutating func conclude(refusing refusal: Refusal?) -> [UInt8] {
        guard var clientState = atHold else { return [] }
        defer { held = [] }
        guard let refusal else { return held }
        refused = true
        let bytes = clientState.refusalEvents(refusal, upstream: transducer)
        atHold = clientState
        return bytes
    }

    /// Every tool call the provider streamed.
    public var toolCalls: [NeutralToolCall] { transducer.toolCalls() }

    /// The tokens the provider reported.
    public var usage: TokenUsage? { transducer.usage() }

    /// The tokens the provider reported, every kind.
    public var usageReport: UsageReport? { transducer.usageReport() }

    /// Content the provider's own tools produced in the stream.
    public var hostedResults: [NeutralToolResult] { transducer.hostedResults() }

    /// The id the provider gave the reply.
    public var responseId: String? { transducer.responseId }

    /// The reply the client received, reassembled: with the refusal in place of the held events when refused.
    public var clientView: JSONValue {
        if refused, let atHold { return atHold.assembled() }
        return transducer.assembled()
    }
}
