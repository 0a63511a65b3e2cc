import ArchestraCore
import ArchestraProviders
import Testing

/// What each endpoint's stream reports as usage, and when its first generated token arrives, through the stream
/// gate as the pipeline drives it (recorded streams, one event at a time and cut at every byte).
@Suite("Stream usage and first token")
struct StreamUsageTests {
    /// Feeds `events` (raw SSE bytes per event) one at a time; returns the index of the event after which the gate
    /// had seen the first token, and the usage it reports at the end.
    static func run<T: StreamTransducer>(_ transducer: T, events: [[UInt8]]) -> (firstToken: Int?, usage: UsageReport?) {
        var stream = GatedStream(transducer)
        var firstToken: Int?
        for (index, event) in events.enumerated() {
            _ = stream.receive(event)
            if firstToken == nil, stream.sawFirstToken { firstToken = index }
        }
        _ = stream.end()
        return (firstToken, stream.usageReport)
    }

    /// The same bytes one at a time: the answer may not depend on how the network cut them.
    static func bytewise<T: StreamTransducer>(_ transducer: T, bytes: [UInt8]) -> UsageReport? {
        var stream = GatedStream(transducer)
        for index in bytes.indices { _ = stream.receive(bytes[index...index]) }
        _ = stream.end()
        return stream.usageReport
    }

    static func framed(_ events: [(type: String, data: String)]) -> [[UInt8]] {
        events.map { Array("event: \($0.type)\ndata: \($0.data)\n\n".utf8) }
    }

    @Test("Chat completions: the usage chunk, cached and reasoning details included; first token after the role chunk")
    func openAIChat() {
        let events = OpenAIStreamFixture.payloads.map { Array("data: \($0)\n\n".utf8) }
        let run = Self.run(OpenAIChatStream(model: "gpt-4o"), events: events)
        let expected = UsageReport(inputTokens: 82, outputTokens: 17, cachedInputTokens: 0, reasoningTokens: 0)
        #expect(run.usage == expected)
        #expect(run.firstToken == 1)
        #expect(Self.bytewise(OpenAIChatStream(model: "gpt-4o"), bytes: OpenAIStreamFixture.bytes) == expected)
        #expect(OpenAIChatAdapter().usageReport(inResponse: ProviderFixtureJSON.object(OpenAIStreamFixture.assembled)) == expected)
    }

    @Test("Responses: the final response's usage; first token at the first output delta")
    func openAIResponses() {
        let run = Self.run(OpenAIResponsesStream(declaredTools: ["send_email"]), events: Self.framed(OpenAIResponsesStreamFixture.events))
        let expected = UsageReport(inputTokens: 300, outputTokens: 40, cachedInputTokens: 0, reasoningTokens: 0)
        #expect(run.usage == expected)
        #expect(run.firstToken == 6)
        #expect(Self.bytewise(OpenAIResponsesStream(declaredTools: []), bytes: OpenAIResponsesStreamFixture.bytes) == expected)
        #expect(OpenAIResponsesAdapter().usageReport(inResponse: ProviderFixtureJSON.object(OpenAIResponsesStreamFixture.completed)) == expected)
    }

    @Test("Messages: message_start's input and cache counts with message_delta's output; first token at the first delta")
    func anthropic() {
        let run = Self.run(AnthropicMessagesStream(), events: Self.framed(AnthropicStreamFixture.events))
        let expected = UsageReport(inputTokens: 472, outputTokens: 89, cachedInputTokens: 0)
        #expect(run.usage == expected)
        #expect(run.firstToken == 3)
        #expect(Self.bytewise(AnthropicMessagesStream(), bytes: AnthropicStreamFixture.bytes) == expected)
    }

    @Test("Messages: cache reads and writes streamed in message_start are input; a later message_delta may restate them")
    func anthropicCaching() {
        let start = #"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":20,"cache_creation_input_tokens":1000,"cache_read_input_tokens":3000,"output_tokens":1}}}"#
        let delta = #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#
        let end = #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":20,"cache_creation_input_tokens":1000,"cache_read_input_tokens":3000,"output_tokens":150}}"#
        let run = Self.run(AnthropicMessagesStream(), events: Self.framed([("message_start", start), ("content_block_delta", delta), ("message_delta", end)]))
        #expect(run.usage == UsageReport(inputTokens: 4020, outputTokens: 150, cachedInputTokens: 3000))
        #expect(run.firstToken == 1)
    }

    @Test("Gemini: the last usageMetadata, thinking added to the output; the first chunk already carries a token")
    func gemini() {
        let events = GeminiStreamFixture.chunks.map { Array("data: \($0)\r\n\r\n".utf8) }
        let run = Self.run(GeminiGenerateContentStream(), events: events)
        let expected = UsageReport(inputTokens: 61, outputTokens: 79, reasoningTokens: 55)
        #expect(run.usage == expected)
        #expect(run.firstToken == 0)
        #expect(Self.bytewise(GeminiGenerateContentStream(), bytes: GeminiStreamFixture.bytes) == expected)
    }

    @Test("A stream with no usage reports none, and one with no output never sees a first token")
    func nothingReported() {
        let role = #"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#
        let run = Self.run(OpenAIChatStream(model: "gpt-4o"), events: [Array("data: \(role)\n\n".utf8), Array("data: [DONE]\n\n".utf8)])
        #expect(run.usage == nil)
        #expect(run.firstToken == nil)
    }
}
