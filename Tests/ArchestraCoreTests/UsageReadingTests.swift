import ArchestraCore
import Testing

/// Reading each client API's token counts into one normalised report, and spotting the first generated token.
@Suite("Usage reading")
struct UsageReadingTests {
    enum Dialect: String, Sendable, CustomTestStringConvertible {
        case chat, responses, anthropic, gemini

        var testDescription: String { rawValue }

        func read(_ text: String) -> UsageReport? {
            let value = try! JSONParser.parse(text)
            switch self {
            case .chat: return UsageReading.openAIChat(value)
            case .responses: return UsageReading.openAIResponses(value)
            case .anthropic: return UsageReading.anthropicMessages(value)
            case .gemini: return UsageReading.gemini(value)
            }
        }
    }

    static func report(_ input: Int?, _ output: Int?, cached: Int? = nil, reasoning: Int? = nil) -> UsageReport {
        UsageReport(inputTokens: input, outputTokens: output, cachedInputTokens: cached, reasoningTokens: reasoning)
    }

    static let cases: [(Dialect, String, UsageReport?)] = [
        // OpenAI chat completions: cached tokens are part of the prompt, reasoning part of the completion.
        (.chat, #"{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}"#, report(82, 17)),
        (.chat, #"{"prompt_tokens":2006,"completion_tokens":300,"prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"accepted_prediction_tokens":0}}"#,
         report(2006, 300, cached: 1920, reasoning: 192)),
        (.chat, #"{"prompt_tokens":5,"completion_tokens":0,"prompt_tokens_details":null}"#, report(5, 0)),
        (.chat, #"{"completion_tokens":3}"#, report(nil, 3)),
        (.chat, #"{"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2}}"#, nil),
        (.chat, #"{}"#, nil),
        (.chat, #"null"#, nil),
        (.chat, #""usage""#, nil),
        // Responses: the same meaning, other names.
        (.responses, #"{"input_tokens":300,"input_tokens_details":{"cached_tokens":0},"output_tokens":40,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":340}"#,
         report(300, 40, cached: 0, reasoning: 0)),
        (.responses, #"{"input_tokens":5000,"input_tokens_details":{"cached_tokens":4096},"output_tokens":900,"output_tokens_details":{"reasoning_tokens":640}}"#,
         report(5000, 900, cached: 4096, reasoning: 640)),
        (.responses, #"{"input_tokens":12,"output_tokens":4}"#, report(12, 4)),
        (.responses, #"{"prompt_tokens":12}"#, nil),
        // Anthropic: cache reads and writes are reported beside input_tokens and added to it.
        (.anthropic, #"{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":89,"service_tier":"standard"}"#,
         report(472, 89, cached: 0)),
        (.anthropic, #"{"input_tokens":20,"cache_creation_input_tokens":1000,"cache_read_input_tokens":3000,"output_tokens":150}"#,
         report(4020, 150, cached: 3000)),
        (.anthropic, #"{"input_tokens":310,"output_tokens":42}"#, report(310, 42)),
        (.anthropic, #"{"output_tokens":5}"#, report(nil, 5)),
        (.anthropic, #"{"cache_read_input_tokens":64,"output_tokens":5}"#, report(64, 5, cached: 64)),
        (.anthropic, #"{}"#, nil),
        // Gemini: thinking is reported beside the candidates and added to the output; cached is part of the prompt.
        (.gemini, #"{"promptTokenCount":7,"candidatesTokenCount":3,"totalTokenCount":10}"#, report(7, 3)),
        (.gemini, #"{"promptTokenCount":61,"candidatesTokenCount":24,"totalTokenCount":140,"promptTokensDetails":[{"modality":"TEXT","tokenCount":61}],"thoughtsTokenCount":55}"#,
         report(61, 79, reasoning: 55)),
        (.gemini, #"{"promptTokenCount":9000,"cachedContentTokenCount":8192,"candidatesTokenCount":120,"thoughtsTokenCount":0}"#,
         report(9000, 120, cached: 8192, reasoning: 0)),
        (.gemini, #"{"promptTokenCount":7,"totalTokenCount":7}"#, report(7, nil)),
        (.gemini, #"{"promptTokenCount":7,"thoughtsTokenCount":30}"#, report(7, 30, reasoning: 30)),
        (.gemini, #"{"totalTokenCount":7}"#, nil),
    ]

    @Test("Each API's usage reads into the same four kinds", arguments: cases)
    func reads(dialect: Dialect, json: String, expected: UsageReport?) {
        #expect(dialect.read(json) == expected)
    }

    static func object(_ text: String) -> JSONObject { (try! JSONParser.parse(text)).objectValue! }

    static let firstTokens: [(Dialect, String, Bool)] = [
        (.chat, #"{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#, false),
        (.chat, #"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#, true),
        (.chat, #"{"choices":[{"index":0,"delta":{"refusal":"No"}}]}"#, true),
        (.chat, #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":""}}]}}]}"#, true),
        (.chat, #"{"choices":[{"index":0,"delta":{"function_call":{"name":"f"}}}]}"#, true),
        (.chat, #"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#, false),
        (.responses, #"{"type":"response.created","response":{}}"#, false),
        (.responses, #"{"type":"response.output_item.added","item":{"type":"message"}}"#, false),
        (.responses, #"{"type":"response.output_text.delta","delta":"Hi"}"#, true),
        (.responses, #"{"type":"response.function_call_arguments.delta","delta":"{"}"#, true),
        (.responses, #"{"type":"response.reasoning_summary_text.delta","delta":"…"}"#, true),
        (.anthropic, #"{"type":"message_start","message":{"content":[]}}"#, false),
        (.anthropic, #"{"type":"message_start","message":{"content":[{"type":"text","text":"Hi"}]}}"#, true),
        (.anthropic, #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#, false),
        (.anthropic, #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}"#, true),
        (.anthropic, #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#, true),
        (.anthropic, #"{"type":"ping"}"#, false),
        (.gemini, #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}]}"#, true),
        (.gemini, #"{"candidates":[{"content":{"role":"model","parts":[]},"index":0}],"usageMetadata":{"promptTokenCount":1}}"#, false),
        (.gemini, #"{"usageMetadata":{"promptTokenCount":1}}"#, false),
    ]

    @Test("The first generated token is told from the preamble", arguments: firstTokens)
    func firstToken(dialect: Dialect, event: String, expected: Bool) {
        let object = Self.object(event)
        let carries = switch dialect {
        case .chat: FirstToken.openAIChat(object)
        case .responses: FirstToken.openAIResponses(object)
        case .anthropic: FirstToken.anthropicMessages(object)
        case .gemini: FirstToken.gemini(object)
        }
        #expect(carries == expected)
    }

    @Test("Reports add kind by kind; a kind nobody reported stays unknown")
    func adding() {
        let a = Self.report(100, 10, cached: 40)
        let b = Self.report(50, nil, reasoning: 3)
        #expect(a.adding(b) == Self.report(150, 10, cached: 40, reasoning: 3))
        #expect(Self.report(nil, nil).adding(Self.report(nil, 2)) == Self.report(nil, 2))
    }
}
