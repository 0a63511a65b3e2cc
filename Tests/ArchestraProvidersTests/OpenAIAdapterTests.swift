import ArchestraCore
import ArchestraProviders
import Testing

/// The OpenAI adapter: the neutral view, redaction, and refusals whole and streamed.
@Suite("OpenAI adapter: the neutral view, redaction, refusal")
struct OpenAIAdapterTests {
    static func json(_ text: String) -> JSONValue {
        do { return try JSONParser.parse(text) } catch {
            Issue.record("fixture is not JSON: \(text) (\(error))")
            return .null
        }
    }

    static func object(_ text: String) -> JSONObject { json(text).objectValue ?? JSONObject() }

    static func compact(_ value: JSONValue) -> String { JSONWriter.string(value) }

    // MARK: Tool results: names

    struct NamingCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// The `messages` array.
        var messages: String
        /// Per tool message, in order: (message index, tool_call_id, tool name).
        var expected: [(Int, String, String?)]

        var testDescription: String { name }
    }

    static let namingCases: [NamingCase] = [
        NamingCase(
            name: "named from the assistant tool_calls entry with that id",
            messages: #"""
                [{"role":"user","content":"read my mail"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_emails","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"[]"}]
                """#,
            expected: [(2, "call_1", "get_emails")]),
        NamingCase(
            name: "the matching entry need not be the first of tool_calls",
            messages: #"""
                [{"role":"assistant","tool_calls":[{"id":"call_a","type":"function","function":{"name":"first","arguments":"{}"}},
                                                    {"id":"call_b","type":"function","function":{"name":"second","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_b","content":"x"},
                 {"role":"tool","tool_call_id":"call_a","content":"y"}]
                """#,
            expected: [(1, "call_b", "second"), (2, "call_a", "first")]),
        NamingCase(
            name: "the latest assistant message with that id wins",
            messages: #"""
                [{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"old_tool","arguments":"{}"}}]},
                 {"role":"user","content":"again"},
                 {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"new_tool","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"x"}]
                """#,
            expected: [(3, "call_1", "new_tool")]),
        NamingCase(
            name: "a custom tool entry names its result",
            messages: #"""
                [{"role":"assistant","tool_calls":[{"id":"call_c","type":"custom","custom":{"name":"run_sql","input":"select 1"}}]},
                 {"role":"tool","tool_call_id":"call_c","content":"1"}]
                """#,
            expected: [(1, "call_c", "run_sql")]),
        NamingCase(
            name: "no matching tool call → no name",
            messages: #"""
                [{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_emails","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_zzz","content":"x"}]
                """#,
            expected: [(1, "call_zzz", nil)]),
        NamingCase(
            name: "a non-assistant message's tool_calls do not name results",
            messages: #"""
                [{"role":"user","content":"x","tool_calls":[{"id":"call_1","type":"function","function":{"name":"spoofed","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"x"}]
                """#,
            expected: [(1, "call_1", nil)]),
        NamingCase(name: "no tool messages → no results", messages: #"[{"role":"user","content":"hi"}]"#, expected: []),
    ]

    @Test("tool results are named from tool_calls", arguments: namingCases)
    func naming(_ row: NamingCase) {
        let body = JSONObject([(key: "model", value: "gpt-4o"), (key: "messages", value: Self.json(row.messages))])
        let located = OpenAIChatAdapter.locatedToolResults(in: body)
        #expect(located.map(\.messageIndex) == row.expected.map { $0.0 })
        #expect(located.map(\.result.toolCallId) == row.expected.map { $0.1 })
        #expect(located.map(\.result.toolName) == row.expected.map { $0.2 })
    }

    // MARK: Tool results: values

    struct ValueCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// The tool message's `content`, as JSON text.
        var content: String
        /// The value policies see, as JSON text.
        var value: String

        var testDescription: String { name }
    }

    static let valueCases: [ValueCase] = [
        ValueCase(name: "a JSON object string is parsed", content: #""{\"emails\":[{\"from\":\"a@x\"}]}""#, value: #"{"emails":[{"from":"a@x"}]}"#),
        ValueCase(name: "a JSON array string with spaces is parsed", content: #"" [1, 2] ""#, value: "[1,2]"),
        ValueCase(name: "a JSON number string is parsed", content: #""42""#, value: "42"),
        ValueCase(name: "a JSON string literal is parsed", content: #""\"quoted\"""#, value: #""quoted""#),
        ValueCase(name: "text that is not JSON stays the raw string", content: #""hello world""#, value: #""hello world""#),
        ValueCase(name: "an empty string stays the raw string", content: #""""#, value: #""""#),
        ValueCase(
            name: "array of parts: text parts joined, then parsed",
            content: #"[{"type":"text","text":"{\"a\":"},{"type":"text","text":"1}"}]"#, value: #"{"a":1}"#),
        ValueCase(
            name: "array of parts: non-text parts ignored, raw when not JSON",
            content: #"[{"type":"text","text":"hi "},{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"there"}]"#,
            value: #""hi there""#),
    ]

    @Test("tool result values", arguments: valueCases)
    func value(_ row: ValueCase) {
        let body = Self.object(
            #"{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"t","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"#
                + row.content + "}]}")
        let located = OpenAIChatAdapter.locatedToolResults(in: body)
        #expect(located.map(\.result.value) == [Self.json(row.value)])
    }

    // MARK: Redaction

    struct RedactionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var replacements: [Int: String]
        var expected: String

        var testDescription: String { name }
    }

    static let redactionCases: [RedactionCase] = [
        RedactionCase(
            name: "only the blocked message's content changes; order, numbers and unknown fields kept",
            body: #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_emails","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"hacker mail","x_note":1.0}],"temperature":0.20,"x_unknown":{"a":[1E3]}}"#,
            replacements: [2: "[Content blocked by policy: Data blocked by policy: Block hacker emails]"],
            expected: #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_emails","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"[Content blocked by policy: Data blocked by policy: Block hacker emails]","x_note":1.0}],"temperature":0.20,"x_unknown":{"a":[1E3]}}"#),
        RedactionCase(
            name: "array-of-parts content becomes the redaction string",
            body: #"{"messages":[{"role":"tool","content":[{"type":"text","text":"secret"}],"tool_call_id":"c"}],"stream":false}"#,
            replacements: [0: "[Content blocked by policy: R]"],
            expected: #"{"messages":[{"role":"tool","content":"[Content blocked by policy: R]","tool_call_id":"c"}],"stream":false}"#),
        RedactionCase(
            name: "two messages redacted, the one between untouched",
            body: #"{"messages":[{"role":"tool","tool_call_id":"a","content":"x"},{"role":"tool","tool_call_id":"b","content":"y"},{"role":"tool","tool_call_id":"c","content":"z"}]}"#,
            replacements: [0: "A", 2: "C"],
            expected: #"{"messages":[{"role":"tool","tool_call_id":"a","content":"A"},{"role":"tool","tool_call_id":"b","content":"y"},{"role":"tool","tool_call_id":"c","content":"C"}]}"#),
        RedactionCase(
            name: "no replacements → the body as written",
            body: #"{"messages":[{"role":"tool","tool_call_id":"a","content":"x"}],"n":1.50}"#,
            replacements: [:],
            expected: #"{"messages":[{"role":"tool","tool_call_id":"a","content":"x"}],"n":1.50}"#),
    ]

    @Test("redaction edits only the tool message's content", arguments: redactionCases)
    func redaction(_ row: RedactionCase) {
        let edited = OpenAIChatAdapter.replacingToolContents(in: Self.object(row.body), with: row.replacements)
        #expect(Self.compact(.object(edited)) == row.expected)
    }

    // MARK: Returned tool calls

    struct CallsCase: Sendable, CustomTestStringConvertible {
        var name: String
        var completion: String
        var expected: [NeutralToolCall]

        var testDescription: String { name }
    }

    static let callsCases: [CallsCase] = [
        CallsCase(
            name: "a function call: id, name and parsed arguments",
            completion: #"{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"send_email","arguments":"{\"to\":\"x@evil.com\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            expected: [NeutralToolCall(id: "call_9", name: "send_email", arguments: .parsed(["to": "x@evil.com"]))]),
        CallsCase(
            name: "calls in order within and across choices",
            completion: #"{"choices":[{"message":{"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"b","type":"function","function":{"name":"g","arguments":"[1]"}}]}},{"message":{"tool_calls":[{"id":"c","type":"function","function":{"name":"h","arguments":"{}"}}]}}]}"#,
            expected: [
                NeutralToolCall(id: "a", name: "f", arguments: .parsed([:])),
                NeutralToolCall(id: "b", name: "g", arguments: .parsed([1])),
                NeutralToolCall(id: "c", name: "h", arguments: .parsed([:])),
            ]),
        CallsCase(
            name: "a custom tool's input counts as {}",
            completion: #"{"choices":[{"message":{"tool_calls":[{"id":"call_c","type":"custom","custom":{"name":"run_sql","input":"DROP TABLE users"}}]}}]}"#,
            expected: [NeutralToolCall(id: "call_c", name: "run_sql", arguments: .parsed([:]))]),
        CallsCase(
            name: "unparseable arguments kept as raw text",
            completion: #"{"choices":[{"message":{"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"to\": "}}]}}]}"#,
            expected: [NeutralToolCall(id: "call_1", name: "f", arguments: .unparseable(#"{"to": "#))]),
        CallsCase(
            name: "a text reply has no tool calls",
            completion: #"{"choices":[{"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}]}"#,
            expected: []),
    ]

    @Test("toolCalls(inCompletion:)", arguments: callsCases)
    func calls(_ row: CallsCase) {
        #expect(OpenAIChatAdapter.toolCalls(inCompletion: Self.json(row.completion)) == row.expected)
    }

    // MARK: Refusal, whole and streamed

    static func content(_ n: String, _ a: String, _ r: String) -> String {
        "\nI tried to invoke the \(n) tool with the following arguments: \(a).\n\nHowever, I was denied by a tool invocation policy:\n\n\(r)"
    }

    static let refusedCompletion = #"""
        {"id":"chatcmpl-123","object":"chat.completion","created":1760000000,"model":"gpt-4o-2024-08-06",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"send_email","arguments":"{\"to\": \"x@evil.com\", \"n\": 1.0}"}}],"refusal":null},"logprobs":null,"finish_reason":"tool_calls"},
                    {"index":1,"message":{"role":"assistant","content":"other"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15},
         "service_tier":"default","system_fingerprint":"fp_abc","x_vendor":{"k":[1.50]}}
        """#

    @Test("refusalCompletion keeps the envelope and has exactly one choice: the text in content, refusal null")
    func refusalCompletion() throws {
        let completion = Self.object(Self.refusedCompletion)
        let call = try #require(OpenAIChatAdapter.toolCalls(inCompletion: .object(completion)).first)
        let reason = "Tool invocation blocked: context contains untrusted data"
        let refused = OpenAIChatAdapter.refusalCompletion(replacing: completion, with: Refusal(call: call, reason: reason))

        let a = #"{"to":"x@evil.com","n":1}"#
        var expected = completion
        expected["choices"] = [
            [
                "index": 0, "finish_reason": "stop", "logprobs": nil,
                "message": [
                    "role": "assistant", "content": .string(Self.content("send_email", a, reason)), "refusal": nil,
                ],
            ]
        ]
        #expect(Self.compact(refused) == Self.compact(.object(expected)))
        #expect(refused["choices"]?.arrayValue?.count == 1)
        #expect(refused.objectValue?.keys == completion.keys, "top-level fields kept, in order")
        for key in ["id", "object", "created", "model", "usage", "service_tier", "system_fingerprint", "x_vendor"] {
            #expect(refused[key] == completion[key], "\(key) kept")
        }
        #expect(
            Self.compact(refused["choices"]!.arrayValue![0])
                == #"{"index":0,"finish_reason":"stop","logprobs":null,"message":{"role":"assistant","content":"\nI tried to invoke the send_email tool with the following arguments: {\"to\":\"x@evil.com\",\"n\":1}.\n\nHowever, I was denied by a tool invocation policy:\n\nTool invocation blocked: context contains untrusted data","refusal":null}}"#)
    }

    @Test("refusalChunk: the text in content, no refusal delta")
    func refusalChunk() {
        let call = NeutralToolCall(id: "call_1", name: "send_email", argumentsText: #"{"to":"x@evil.com"}"#)
        let refusal = Refusal(call: call, reason: "No mail to evil.com")
        let chunk = OpenAIChatAdapter.refusalChunk(
            id: "chatcmpl-9", created: .integer(1_760_000_001), model: "gpt-4o", refusal: refusal)
        let c = Self.content("send_email", #"{"to":"x@evil.com"}"#, "No mail to evil.com")
        let expected: JSONValue = [
            "id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1_760_000_001, "model": "gpt-4o",
            "choices": [
                [
                    "index": 0, "delta": ["role": "assistant", "content": .string(c)],
                    "finish_reason": "stop", "logprobs": nil,
                ]
            ],
        ]
        #expect(Self.compact(chunk) == Self.compact(expected))
    }

    // MARK: Stream chunks carrying tool calls

    struct ChunkCase: Sendable, CustomTestStringConvertible {
        var name: String
        var carries: Bool
        var data: String

        var testDescription: String { name }
    }

    static let chunkCases: [ChunkCase] = [
        ChunkCase(
            name: "role-only first chunk", carries: false,
            data: #"{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#),
        ChunkCase(
            name: "text delta", carries: false,
            data: #"{"id":"c","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}"#),
        ChunkCase(
            name: "text that mentions tool_calls", carries: false,
            data: #"{"id":"c","choices":[{"index":0,"delta":{"content":"the tool_calls field"},"finish_reason":null}]}"#),
        ChunkCase(
            name: "first tool_calls delta", carries: true,
            data: #"{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"send_email","arguments":""}}]},"finish_reason":null}]}"#),
        ChunkCase(
            name: "argument fragment tool_calls delta", carries: true,
            data: #"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"to\":"}}]},"finish_reason":null}]}"#),
        ChunkCase(
            name: "tool_calls delta in a second choice", carries: true,
            data: #"{"id":"c","choices":[{"index":0,"delta":{"content":"x"}},{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_2","function":{"name":"f","arguments":""}}]}}]}"#),
        ChunkCase(
            name: "finish chunk without tool_calls", carries: false,
            data: #"{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#),
        ChunkCase(
            name: "usage-only chunk", carries: false,
            data: #"{"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#),
        ChunkCase(name: "the [DONE] sentinel", carries: false, data: "[DONE]"),
    ]

    @Test("chunkCarriesToolCall", arguments: chunkCases)
    func chunk(_ row: ChunkCase) {
        #expect(OpenAIChatAdapter.chunkCarriesToolCall(row.data) == row.carries)
    }
}
