import ArchestraProviders

/// The fuzzers, each a check over arbitrary bytes. The fuzz executables (`fuzz-<name>`) run one under libFuzzer;
/// the regression tests replay every input kept in `Tests/Fuzz/<name>/` through the same check.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `JSONParser.parse` and the writer: parse → write → parse is stable.
    case json
    /// `RouteClassifier.classify`: what may reach a provider, and where.
    case route
    /// The SSE decoder and the OpenAI chat-completions transducer behind the stream gate.
    case streamOpenAI = "stream-openai"
    /// The SSE decoder and the Anthropic messages transducer behind the stream gate.
    case streamAnthropic = "stream-anthropic"
    /// The SSE decoder and the Gemini generateContent transducer behind the stream gate.
    case streamGemini = "stream-gemini"

    /// The folder below `Tests/Fuzz/` holding the target's seeds and kept crash inputs.
    public var directoryName: String { rawValue }

    /// The executable that fuzzes it.
    public var executableName: String { "fuzz-\(rawValue)" }

    /// Runs one input through the target's check; the violated invariants, empty when all held. A crash inside
    /// the code under test is not caught: it is what the fuzzer is looking for.
    public func check(_ input: [UInt8]) -> [String] {
        var findings = FuzzFindings()
        switch self {
        case .json: JSONRoundTripCheck.run(input, &findings)
        case .route: RouteCheck.run(input, &findings)
        case .streamOpenAI: StreamCheck(OpenAIChatAdapter()).run(input, &findings)
        case .streamAnthropic: StreamCheck(AnthropicMessagesAdapter()).run(input, &findings)
        case .streamGemini: StreamCheck(GeminiGenerateContentAdapter()).run(input, &findings)
        }
        return findings.messages
    }
}

/// The invariants one input violated.
struct FuzzFindings {
    private(set) var messages: [String] = []

    /// Records `message` unless `condition` holds.
    mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { messages.append(message()) }
    }

    /// Records `message`.
    mutating func fail(_ message: String) {
        messages.append(message)
    }
}
