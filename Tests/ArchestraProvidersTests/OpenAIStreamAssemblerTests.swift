import ArchestraCore
import ArchestraProviders
import Testing

/// Comparisons where JSON member order is not promised.
enum UnorderedJSON {
    /// The value with object members sorted by key (last duplicate wins), recursively.
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
}

@Suite("OpenAI stream assembler")
struct OpenAIStreamAssemblerTests {
    @Test("The recorded stream reassembles to its chat.completion")
    func recordedStream() throws {
        var assembler = OpenAIStreamAssembler()
        var decoder = ServerSentEventDecoder()
        for event in decoder.feed(OpenAIStreamFixture.bytes) { assembler.add(data: event.data) }
        let completion = assembler.completion()
        let expected = try JSONParser.parse(OpenAIStreamFixture.assembled)
        #expect(UnorderedJSON.canonical(completion) == UnorderedJSON.canonical(expected))
        #expect(completion["choices"]?.arrayValue?.first?["message"]?["content"] == "Héllo 👋 世界, checking \"Zürich\"…")
    }

    @Test("Several choices, interleaved tool calls, refusals, no usage; non-JSON payloads are ignored")
    func choicesToolCallsAndRefusal() throws {
        let payloads = [
            #"{"id":"chatcmpl-2","object":"chat.completion.chunk","created":5,"model":"gpt-4o-mini","choices":[{"index":1,"delta":{"role":"assistant","refusal":"I can"},"finish_reason":null},{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"second","arguments":"{\"b\""}}]},"finish_reason":null}]}"#,
            "this is not JSON",
            #"{"id":"chatcmpl-2","created":5,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"first","arguments":"{}"}},{"index":1,"function":{"arguments":":2}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":1,"delta":{"refusal":"'t help."},"finish_reason":"stop"}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            "[DONE]",
        ]
        var assembler = OpenAIStreamAssembler()
        for payload in payloads { assembler.add(data: payload) }
        let expected = try JSONParser.parse(#"""
            {"id":"chatcmpl-2","object":"chat.completion","created":5,"model":"gpt-4o-mini","choices":[
              {"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[
                {"id":"call_a","type":"function","function":{"name":"first","arguments":"{}"}},
                {"id":"call_b","type":"function","function":{"name":"second","arguments":"{\"b\":2}"}}]},
               "finish_reason":"tool_calls","logprobs":null},
              {"index":1,"message":{"role":"assistant","content":null,"refusal":"I can't help."},"finish_reason":"stop","logprobs":null}]}
            """#)
        #expect(UnorderedJSON.canonical(assembler.completion()) == UnorderedJSON.canonical(expected))
        #expect(assembler.completion()["usage"] == nil)
    }

    @Test("The mock's stream reassembles to the mock's completion (without the usage it does not stream)")
    func mockStreamMatchesMockCompletion() throws {
        var assembler = OpenAIStreamAssembler()
        for chunk in OpenAIChatMock.chunks(created: 1_760_000_000) { assembler.add(data: JSONWriter.string(chunk)) }
        var expected = try #require(OpenAIChatMock.completion(created: 1_760_000_000).objectValue)
        expected["usage"] = nil
        #expect(UnorderedJSON.canonical(assembler.completion()) == UnorderedJSON.canonical(.object(expected)))
    }
}

@Suite("OpenAI mock replies")
struct OpenAIMockTests {
    /// The canned benchmark reply, written out by hand.
    static let contractCompletion = #"""
        {"id":"chatcmpl-mock123","object":"chat.completion","created":1760000000,"model":"gpt-4o",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,
           "tool_calls":[{"id":"call_mock789","type":"function",
             "function":{"name":"list_files","arguments":"{\"path\": \".\"}"}}]},
           "finish_reason":"tool_calls","logprobs":null}],
         "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}
        """#

    @Test("The completion is the canned reply, member for member and in order")
    func completion() throws {
        let expected = try JSONParser.parse(Self.contractCompletion)
        #expect(OpenAIChatMock.completion(created: 1_760_000_000) == expected)
        #expect(OpenAIChatMock.completion(created: 1_234)["created"] == 1_234)
        let call = OpenAIChatMock.completion(created: 0)["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first
        #expect(call?["function"]?["arguments"]?.stringValue == #"{"path": "."}"#)
    }

    @Test("The stream is a tool-call chunk, then a finishing chunk")
    func chunks() throws {
        let chunks = OpenAIChatMock.chunks(created: 1_760_000_000)
        try #require(chunks.count == 2)
        let first = try JSONParser.parse(#"""
            {"id":"chatcmpl-mock123","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o",
             "choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_mock789","type":"function",
               "function":{"name":"list_files","arguments":"{\"path\": \".\"}"}}]},"finish_reason":null,"logprobs":null}]}
            """#)
        let second = try JSONParser.parse(#"""
            {"id":"chatcmpl-mock123","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o",
             "choices":[{"index":0,"delta":{},"finish_reason":"tool_calls","logprobs":null}]}
            """#)
        #expect(chunks[0] == first)
        #expect(chunks[1] == second)
    }
}
