import ArchestraCore
import ArchestraProviders

/// A provider stream through the SSE decoder and the endpoint's transducer behind the stream gate (`GatedStream`,
/// driven as the pipeline drives it), fed whole and in the pieces the input chooses (see `StreamInput`).
///
/// Invariants: no crash; the pieces give the same events, bytes, calls and records as one chunk; the gate
/// forwards exactly the events before the first one carrying a tool call and holds the rest, so forwarded + held
/// is every byte received when nothing is refused; a hold has calls to judge unless an unreadable event started
/// it (the pipeline then refuses); a refusal is SSE events
/// that carry the refusal text and no tool call, and the record of a refused stream shows no tool call.
struct StreamCheck<Adapter: EndpointAdapter> {
    /// The endpoint whose transducer and refusal are checked.
    let adapter: Adapter

    init(_ adapter: Adapter) {
        self.adapter = adapter
    }

    /// The refusal reason of a tainted context.
    static var reason: String { "Tool invocation blocked: context contains untrusted data" }

    /// Checks one input.
    func run(_ input: [UInt8], _ findings: inout FuzzFindings) {
        let stream = StreamInput(input)
        let events = decode([stream.body[...]])
        let piecewise = decode(stream.pieces)
        findings.expect(piecewise == events, "the pieces decode to other events than the body (cuts \(stream.cuts))")
        findings.expect(events.flatMap(\.raw) == stream.body, "the events' bytes are not the body")

        let whole = GateRun(adapter: adapter, pieces: [stream.body[...]])
        let cut = GateRun(adapter: adapter, pieces: stream.pieces)
        if let difference = whole.difference(from: cut) {
            findings.fail("the pieces change \(difference) (cuts \(stream.cuts))")
        }
        check(whole, events: events, body: stream.body, &findings)
    }

    private func check(
        _ run: GateRun<Adapter>, events: [ServerSentEvent], body: [UInt8], _ findings: inout FuzzFindings
    ) {
        findings.expect(run.receivedBytes == body.count, "received \(run.receivedBytes) bytes of \(body.count)")
        // The oracle: everything from the first event that carries a tool call on is held.
        let firstCall = events.firstIndex { adapter.carriesToolCall($0) } ?? events.count
        let before = events[..<firstCall].flatMap(\.raw)
        let from = events[firstCall...].flatMap(\.raw)
        findings.expect(run.forwarded == before, "forwarded other bytes than the events before the first tool call")
        findings.expect(run.released == from, "held other bytes than the events from the first tool call on")
        findings.expect(run.forwarded + run.released == body, "forwarded + held is not every byte received")
        let holds = run.heldCalls != nil
        let hasCall = firstCall < events.count
        findings.expect(holds == hasCall, "holding: \(holds), tool-call event: \(hasCall)")
        if let calls = run.heldCalls {
            // A hold with no call to judge is refused by the pipeline; it may only come from an event the gateway
            // could not read (which holds because a client might read a call in it).
            if calls.isEmpty {
                let unreadable = events[firstCall...].contains { (try? JSONParser.parse($0.data))?.objectValue == nil && !$0.data.isEmpty }
                findings.expect(unreadable, "the stream is held, there is no call to judge, and every held event was readable")
            }
            checkRefusal(run, &findings)
        } else {
            findings.expect(run.refusal.isEmpty, "a refusal was written for a stream that held nothing")
        }
    }

    private func checkRefusal(_ run: GateRun<Adapter>, _ findings: inout FuzzFindings) {
        let content = run.refusalValue.content
        let events = decode([run.refusal[...]])
        findings.expect(!events.isEmpty, "the refusal is no SSE event")
        findings.expect(events.flatMap(\.raw) == run.refusal, "the refusal has bytes outside its events")
        var carriesText = false
        for event in events {
            let carries = adapter.carriesToolCall(event)
            findings.expect(!carries, "a refusal event carries a call: \(event.data.prefix(300))")
            if event.data == "[DONE]" { continue }
            guard let data = try? JSONParser.parse(event.data) else {
                findings.fail("a refusal event's data is not JSON: \(event.data.prefix(300))")
                continue
            }
            carriesText = carriesText || strings(in: data).contains(content)
        }
        findings.expect(carriesText, "no refusal event carries the refusal text")
        guard case .object(let view) = run.refusedView else {
            findings.fail("the refused stream's record is not an object")
            return
        }
        findings.expect(adapter.toolCalls(inResponse: view).isEmpty, "the refused stream's record holds a tool call")
        let recorded = strings(in: run.refusedView).contains { $0.containsBytes(content) }
        findings.expect(recorded, "the refused stream's record lacks the refusal text")
    }

    private func decode(_ pieces: [ArraySlice<UInt8>]) -> [ServerSentEvent] {
        var decoder = ServerSentEventDecoder()
        var events: [ServerSentEvent] = []
        for piece in pieces { events += decoder.feed(piece) }
        if let last = decoder.finish() { events.append(last) }
        return events
    }

    private func strings(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let elements): elements.flatMap(strings)
        case .object(let object): object.members.flatMap { [$0.key] + strings(in: $0.value) }
        default: []
        }
    }
}

/// One gate driven over the pieces to the end, then concluded both ways (from copies).
struct GateRun<Adapter: EndpointAdapter> {
    var forwarded: [UInt8] = []
    var receivedBytes: Int
    var heldCalls: [NeutralToolCall]?
    var toolCalls: [NeutralToolCall]
    var usage: TokenUsage?
    /// `conclude(refusing: nil)` and the record then.
    var released: [UInt8]
    var releasedView: JSONValue
    /// `conclude(refusing:)` with a refusal of the first held call, and the record then.
    var refusalValue: Refusal
    var refusal: [UInt8]
    var refusedView: JSONValue

    init(adapter: Adapter, pieces: [ArraySlice<UInt8>]) {
        let request = PipelineRequest(body: JSONObject(), model: "fuzz-model", stream: true, toolDeclarations: [])
        var gate = GatedStream(adapter.makeStream(for: request))
        for piece in pieces { forwarded += gate.receive(piece) }
        let (trailing, calls) = gate.end()
        forwarded += trailing
        receivedBytes = gate.receivedBytes
        heldCalls = calls
        toolCalls = gate.toolCalls
        usage = gate.usage
        var releasing = gate
        released = releasing.conclude(refusing: nil)
        releasedView = releasing.clientView
        let call = calls?.first ?? NeutralToolCall(id: "", name: "unknown", arguments: .parsed(.object(JSONObject())))
        refusalValue = Refusal(call: call, reason: StreamCheck<Adapter>.reason)
        var refusing = gate
        refusal = refusing.conclude(refusing: refusalValue)
        refusedView = refusing.clientView
    }

    /// What differs between two runs over the same body, or nil.
    func difference(from other: GateRun) -> String? {
        if forwarded != other.forwarded { return "the forwarded bytes" }
        if receivedBytes != other.receivedBytes { return "the received byte count" }
        if heldCalls != other.heldCalls { return "the held calls" }
        if toolCalls != other.toolCalls { return "the tool calls" }
        if usage != other.usage { return "the usage" }
        if released != other.released { return "the held bytes" }
        if JSONWriter.bytes(releasedView) != JSONWriter.bytes(other.releasedView) { return "the released record" }
        if refusal != other.refusal { return "the refusal bytes" }
        if JSONWriter.bytes(refusedView) != JSONWriter.bytes(other.refusedView) { return "the refused record" }
        return nil
    }
}

extension EndpointAdapter {
    /// Whether the endpoint's transducer says this event carries a tool call (a fresh one: the answer depends on
    /// the event alone).
    func carriesToolCall(_ event: ServerSentEvent) -> Bool {
        let request = PipelineRequest(body: JSONObject(), model: "fuzz-model", stream: true, toolDeclarations: [])
        return makeStream(for: request).observe(event).carriesToolCall
    }
}
