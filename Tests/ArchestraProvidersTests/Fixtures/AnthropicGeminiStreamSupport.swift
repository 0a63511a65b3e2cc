import ArchestraCore
import ArchestraProviders
import Testing

/// Helpers shared by the Anthropic and Gemini adapter and stream tests.
enum ProviderFixtureJSON {
    /// Parses fixture text; a fixture that is not JSON fails the test.
    static func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
        do { return try JSONParser.parse(text) } catch {
            Issue.record("fixture is not JSON: \(text) (\(error))", sourceLocation: sourceLocation)
            return .null
        }
    }

    static func object(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONObject {
        parse(text, sourceLocation: sourceLocation).objectValue ?? JSONObject()
    }

    /// The value with object members sorted by key (last duplicate wins), recursively: for comparisons where the
    /// gateway promises no member order.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.map(canonical))
        case .object(let object):
            var latest: [String: JSONValue] = [:]
            for member in object.members { latest[member.key] = canonical(member.value) }
            return .object(JSONObject(latest.keys.sorted().map { (key: $0, value: latest[$0]!) }))
        default: return value
        }
    }

    /// True when both are the same JSON, member order aside.
    static func same(_ lhs: JSONValue?, _ rhs: JSONValue?) -> Bool {
        lhs.map(canonical) == rhs.map(canonical)
    }
}

/// The exact refusal text, written out here (not taken from `Refusal`) so a change there fails.
enum ExpectedRefusal {
    static func content(tool: String, arguments: String, reason: String) -> String {
        "\nI tried to invoke the \(tool) tool with the following arguments: \(arguments).\n\nHowever, I was denied by a tool invocation policy:\n\n\(reason)"
    }
}

/// What the stream gate (`GatedStream`, as the pipeline drives it) did with a recorded byte stream: events before
/// the first tool-call event are forwarded, the rest held until the test decides.
struct GatedRun<Transducer: StreamTransducer> {
    var assembly: GatedAssembly<Transducer>
    var forwarded: [ServerSentEvent] = []
    var held: [ServerSentEvent] = []
    /// `observe`'s answer per event, in order.
    var carriesToolCall: [Bool] = []

    /// Feeds `bytes` in the given pieces through a gate.
    init(assembly transducer: Transducer, pieces: [ArraySlice<UInt8>]) {
        var stream = GatedStream(transducer)
        var forwardedBytes: [UInt8] = []
        for piece in pieces { forwardedBytes += stream.receive(piece) }
        forwardedBytes += stream.end().bytes
        // The held bytes, read from a copy so the run can still be released or refused.
        var probe = stream
        let heldBytes = probe.conclude(refusing: nil)
        forwarded = decodeEvents(forwardedBytes)
        held = decodeEvents(heldBytes)
        var shadow = transducer
        for event in decodeEvents(pieces.flatMap { $0 }) {
            let (observation, carries) = shadow.observe(event)
            shadow.fold(observation)
            carriesToolCall.append(carries)
        }
        assembly = GatedAssembly(stream: stream)
    }

    /// The allowed ending: the held events go to the client too.
    mutating func release() {
        _ = assembly.stream.conclude(refusing: nil)
    }
}

/// The gate's view of a run, with the names the stream tests read.
struct GatedAssembly<Transducer: StreamTransducer> {
    var stream: GatedStream<Transducer>

    func toolCalls() -> [NeutralToolCall] { stream.toolCalls }
    func usage() -> TokenUsage? { stream.usage }
    func clientView() -> JSONValue { stream.clientView }

    /// The refusal ending: the events that replace the held ones.
    mutating func refusalEvents(_ refusal: Refusal) -> [UInt8] { stream.conclude(refusing: refusal) }
}

extension StreamTransducer {
    /// Observes and folds one event, for tests that follow a stream without a gate; says whether it carries a
    /// tool call.
    mutating func observeUpstream(_ event: ServerSentEvent) -> Bool {
        let (observation, carries) = observe(event)
        fold(observation)
        return carries
    }

    /// Without a gate the client gets every event the provider sent: nothing more to fold.
    func observeClient(_ event: ServerSentEvent) {}

    /// Without a gate the client's view is the reassembled reply.
    func clientView() -> JSONValue { assembled() }
}

/// Ways of cutting a recorded byte stream into the pieces a network may deliver.
enum ByteCuts {
    /// Two pieces, cut at `offset`.
    static func split(_ bytes: [UInt8], at offset: Int) -> [ArraySlice<UInt8>] {
        [bytes[..<offset], bytes[offset...]]
    }

    /// One byte per piece.
    static func single(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.indices.map { bytes[$0...$0] }
    }

    /// Offsets that fall strictly inside a multi-byte UTF-8 character (between a lead and a continuation byte).
    static func insideUTF8Characters(_ bytes: [UInt8]) -> [Int] {
        bytes.indices.filter { $0 > 0 && bytes[$0] & 0xC0 == 0x80 }
    }
}

/// Decodes SSE bytes in one go (for checking bytes the assembly produced).
func decodeEvents(_ bytes: [UInt8]) -> [ServerSentEvent] {
    var decoder = ServerSentEventDecoder()
    var events = decoder.feed(bytes)
    if let last = decoder.finish() { events.append(last) }
    return events
}
