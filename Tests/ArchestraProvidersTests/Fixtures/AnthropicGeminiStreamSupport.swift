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
    /// contract promises no member order.
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

/// The exact refusal text of contract §3.4, written out here (not taken from `Refusal`) so a change there fails.
enum ExpectedRefusal {
    static func content(tool: String, arguments: String, reason: String) -> String {
        "\nI tried to invoke the \(tool) tool with the following arguments: \(arguments).\n\nHowever, I was denied by a tool invocation policy:\n\n\(reason)"
    }
}

/// What a gate in front of a provider's stream assembly did with a recorded byte stream (the way the pipeline's
/// `GatedStream` drives it): events before the first tool-call event are forwarded, the rest held.
struct GatedRun<Assembly: ProviderStreamAssembly> {
    var assembly: Assembly
    var forwarded: [ServerSentEvent] = []
    var held: [ServerSentEvent] = []
    /// `observeUpstream`'s answer per event, in order.
    var carriesToolCall: [Bool] = []

    /// Decodes `bytes` delivered in the given pieces and routes each event through a `StreamGate`.
    init(assembly: Assembly, pieces: [ArraySlice<UInt8>]) {
        self.assembly = assembly
        var decoder = ServerSentEventDecoder()
        var gate = StreamGate<ServerSentEvent>()
        var events: [ServerSentEvent] = []
        for piece in pieces { events += decoder.feed(piece) }
        if let last = decoder.finish() { events.append(last) }
        for event in events {
            let carries = self.assembly.observeUpstream(event)
            carriesToolCall.append(carries)
            switch gate.receive(event, carriesToolCall: carries) {
            case .forward(let event):
                self.assembly.observeClient(event)
                forwarded.append(event)
            case .hold:
                break
            }
        }
        held = gate.finish()
    }

    /// The allowed ending: the held events go to the client too.
    mutating func release() {
        for event in held { assembly.observeClient(event) }
    }
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
