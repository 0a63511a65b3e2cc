import ArchestraCore
import ArchestraProviders
import Testing

/// The Responses request onto the neutral view: validation, declared tools (hosted ones by type), tool outputs and
/// the provider's own tools' items, their names, edits, returned calls, the refusal, continuations.
@Suite("OpenAI Responses adapter")
struct OpenAIResponsesAdapterTests {
    let adapter = OpenAIResponsesAdapter()

    static func parse(_ text: String) -> JSONValue { ProviderFixtureJSON.parse(text) }
    static func object(_ text: String) -> JSONObject { ProviderFixtureJSON.object(text) }

    struct ValidationCase: Sendable, CustomTestStringConvertible {
        var body: String
        var error: String?
        var testDescription: String { body }
    }

    static let validation: [ValidationCase] = [
        ValidationCase(body: #"{"model":"gpt-4o","input":"hi"}"#),
        ValidationCase(body: #"{"model":"gpt-4o"}"#),
        ValidationCase(body: #"{"model":"gpt-4o","input":[{"role":"user","content":"hi"}],"stream":null,"instructions":null}"#),
        ValidationCase(body: #"{"model":"gpt-4o","input":[],"previous_response_id":"resp_1","x_future":{"a":1}}"#),
        ValidationCase(body: #"{"model":"gpt-4o","conversation":{"id":"conv_1"}}"#),
        ValidationCase(body: #"{"model":"gpt-4o","conversation":"conv_1","tools":[{"type":"web_search"}]}"#),
        ValidationCase(body: #"[]"#, error: "Request body must be a JSON object"),
        ValidationCase(body: #"{"input":"hi"}"#, error: "Field 'model' must be a string"),
        ValidationCase(body: #"{"model":"m","input":5}"#, error: "Field 'input' must be a string or an array of objects"),
        ValidationCase(body: #"{"model":"m","input":["hi"]}"#, error: "input[0] must be an object"),
        ValidationCase(body: #"{"model":"m","instructions":1}"#, error: "Field 'instructions' must be a string or null"),
        ValidationCase(body: #"{"model":"m","stream":"yes"}"#, error: "Field 'stream' must be a boolean"),
        ValidationCase(body: #"{"model":"m","previous_response_id":7}"#, error: "Field 'previous_response_id' must be a string or null"),
        ValidationCase(body: #"{"model":"m","conversation":{"name":"x"}}"#, error: "Field 'conversation' must be a string, an object with a string 'id', or null"),
        ValidationCase(body: #"{"model":"m","tools":{}}"#, error: "Field 'tools' must be an array"),
        ValidationCase(body: #"{"model":"m","tools":[{"name":"f"}]}"#, error: "tools[0] must be an object with a string 'type'"),
        ValidationCase(body: #"{"model":"m","tools":[{"type":"function"}]}"#, error: "tools[0].name must be a string"),
        ValidationCase(body: #"{"model":"m","tools":[{"type":"custom","name":3}]}"#, error: "tools[0].name must be a string"),
    ]

    @Test("validation", arguments: validation)
    func validate(_ row: ValidationCase) {
        let parsed = Result { () throws(ProviderRequestError) in try adapter.parseRequest(Self.parse(row.body), route: RouteFacts()) }
        switch parsed {
        case .success: #expect(row.error == nil, "accepted")
        case .failure(let error): #expect(error.message == row.error)
        }
    }

    @Test("declared tools: functions and custom tools by name, hosted tools by type, MCP servers as mcp:<label>")
    func declarations() throws {
        let body = Self.parse(#"""
            {"model":"gpt-4o","stream":true,"tools":[
             {"type":"function","name":"get_emails","description":"Read mail","parameters":{"type":"object"},"strict":true},
             {"type":"custom","name":"run_sql","description":"SQL","format":{"type":"grammar"}},
             {"type":"web_search_preview","search_context_size":"low"},
             {"type":"mcp","server_label":"github","server_url":"https://mcp.example"},
             {"type":"file_search","vector_store_ids":["vs_1"]},
             {"type":"function","name":"bare"}]}
            """#)
        let request = try adapter.parseRequest(body, route: RouteFacts())
        #expect(request.stream)
        #expect(request.model == "gpt-4o")
        #expect(request.toolDeclarations == [
            ToolDeclaration(name: "get_emails", description: "Read mail", parameters: ["type": "object"]),
            ToolDeclaration(name: "run_sql", description: "SQL", parameters: ["type": "grammar"]),
            ToolDeclaration(name: "web_search_preview", description: nil, parameters: [:]),
            ToolDeclaration(name: "mcp:github", description: nil, parameters: [:]),
            ToolDeclaration(name: "file_search", description: nil, parameters: [:]),
            ToolDeclaration(name: "bare", description: nil, parameters: [:]),
        ])
    }

    static let conversation = #"""
        {"model":"gpt-4o","tools":[{"type":"function","name":"get_emails"},{"type":"web_search_preview"},{"type":"mcp","server_label":"crm"}],
         "input":[
          {"role":"user","content":[{"type":"input_text","text":"Read my"},{"type":"input_text","text":" mail"}]},
          {"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"q"}},
          {"type":"function_call","call_id":"call_1","name":"get_emails","arguments":"{}"},
          {"type":"function_call_output","call_id":"call_1","output":"{\"emails\":[{\"from\":\"a@b.c\"}]}"},
          {"type":"custom_tool_call_output","call_id":"call_2","output":[{"type":"input_text","text":"line one"},{"type":"input_text","text":"line two"}]},
          {"type":"mcp_call","id":"mcp_1","server_label":"crm","name":"lookup","arguments":"{}","output":"ok"},
          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done"}]}]}
        """#

    @Test("tool results in input order: outputs named from their call items, hosted items by their tool")
    func toolResults() {
        let results = adapter.toolResults(in: Self.object(Self.conversation))
        #expect(results == [
            NeutralToolResult(toolCallId: "ws_1", toolName: "web_search_preview", value: Self.parse(#"{"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"q"}}"#), hosted: true),
            NeutralToolResult(toolCallId: "call_1", toolName: "get_emails", value: Self.parse(#"{"emails":[{"from":"a@b.c"}]}"#)),
            NeutralToolResult(toolCallId: "call_2", toolName: nil, value: "line one\nline two"),
            NeutralToolResult(toolCallId: "mcp_1", toolName: "mcp:crm", value: Self.parse(#"{"type":"mcp_call","id":"mcp_1","server_label":"crm","name":"lookup","arguments":"{}","output":"ok"}"#), hosted: true),
        ])
        #expect(adapter.latestUserText(in: Self.object(Self.conversation)) == "Read my mail")
        #expect(adapter.latestUserText(in: ["input": "just text"]) == "just text")
        #expect(adapter.latestUserText(in: ["input": []]) == nil)
    }

    @Test("replacing rewrites an output's text and never a hosted item")
    func replacing() {
        let body = Self.object(Self.conversation)
        let edited = adapter.replacingToolResults(in: body, with: [0: "NO", 1: "[redacted]", 2: "summary", 3: "NO"])
        let input = edited["input"]?.arrayValue ?? []
        #expect(input[1] == body["input"]?.arrayValue?[1])
        #expect(input[3]["output"] == "[redacted]")
        #expect(input[4]["output"] == "summary")
        #expect(input[5] == body["input"]?.arrayValue?[5])
        #expect(edited.keys == body.keys)
    }

    @Test("returned calls, hosted output in the reply, the refusal keeping every top-level field")
    func reply() throws {
        let response = Self.object(#"""
            {"id":"resp_9","object":"response","status":"completed","model":"gpt-4o","output":[
              {"type":"file_search_call","id":"fs_1","queries":["q"],"results":[{"filename":"a.txt"}]},
              {"type":"message","id":"msg_0","role":"assistant","content":[{"type":"output_text","text":"Sure"}]},
              {"type":"function_call","id":"fc_1","call_id":"call_9","name":"send_email","arguments":"{\"to\": \"x@evil.com\"}"},
              {"type":"custom_tool_call","id":"ct_1","call_id":"call_10","name":"run_sql","input":"DROP TABLE"}],
             "usage":{"input_tokens":10,"output_tokens":5,"total_tokens":15},"x_vendor":true}
            """#)
        let request = PipelineRequest(body: [:], model: "gpt-4o", stream: false, toolDeclarations: [])
        let calls = adapter.toolCalls(inResponse: response)
        #expect(calls == [
            NeutralToolCall(id: "call_9", name: "send_email", argumentsText: #"{"to": "x@evil.com"}"#),
            NeutralToolCall(id: "call_10", name: "run_sql", arguments: .parsed([:])),
        ])
        #expect(adapter.hostedResults(inResponse: response, request: request).map(\.toolName) == ["file_search"])
        #expect(adapter.usage(inResponse: response) == TokenUsage(input: 10, output: 5))
        #expect(adapter.responseId(of: response) == "resp_9")
        let refused = try #require(adapter.refusalResponse(replacing: response, refusal: Refusal(call: calls[0], reason: "R")).objectValue)
        #expect(refused.keys == response.keys)
        for key in ["id", "object", "status", "model", "usage", "x_vendor"] { #expect(refused[key] == response[key]) }
        let output = refused["output"]?.arrayValue ?? []
        try #require(output.count == 1)
        let content = ExpectedRefusal.content(tool: "send_email", arguments: #"{"to":"x@evil.com"}"#, reason: "R")
        let id = try #require(output[0]["id"]?.stringValue)
        #expect(id.hasPrefix("msg_") && id.count == 36)
        #expect(output[0] == ["type": "message", "id": .string(id), "status": "completed", "role": "assistant",
                              "content": [["type": "output_text", "text": .string(content), "annotations": []]]])
        #expect(!JSONWriter.string(.object(refused)).contains("\"refusal\""))
    }

    struct ContinuationCase: Sendable, CustomTestStringConvertible {
        var body: String
        var expected: Continuation?
        var testDescription: String { body }
    }

    static let continuations: [ContinuationCase] = [
        ContinuationCase(body: #"{"model":"m","previous_response_id":"resp_1"}"#, expected: Continuation(kind: .previousResponse, id: "resp_1")),
        ContinuationCase(body: #"{"model":"m","conversation":"conv_1"}"#, expected: Continuation(kind: .conversation, id: "conv_1")),
        ContinuationCase(body: #"{"model":"m","conversation":{"id":"conv_2"}}"#, expected: Continuation(kind: .conversation, id: "conv_2")),
        ContinuationCase(body: #"{"model":"m","previous_response_id":null,"conversation":null}"#, expected: nil),
        ContinuationCase(body: #"{"model":"m"}"#, expected: nil),
    ]

    @Test("continuations", arguments: continuations)
    func continuation(_ row: ContinuationCase) throws {
        let request = try adapter.parseRequest(Self.parse(row.body), route: RouteFacts())
        #expect(adapter.continuation(of: request) == row.expected)
    }

    @Test("items keep a conversation trusted only when every one is known to hold no tool output", arguments: [
        (#"{"items":[{"type":"message","role":"user","content":"hi"}]}"#, true),
        (#"{"items":[{"role":"user","content":"hi"},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}]}"#, true),
        (#"{"items":[{"type":"reasoning","summary":[]}]}"#, true),
        (#"{}"#, true),
        (#"{"items":[]}"#, true),
        (#"{"items":[{"type":"function_call_output","call_id":"c","output":"x"}]}"#, false),
        (#"{"items":[{"type":"custom_tool_call_output","call_id":"c","output":"x"}]}"#, false),
        (#"{"items":[{"type":"web_search_call","id":"w"}]}"#, false),
        (#"{"items":[{"type":"mcp_call","id":"m","output":"x"}]}"#, false),
        (#"{"items":[{"type":"item_reference","id":"fc_1"}]}"#, false),
        (#"{"items":[{"type":"a_kind_added_next_year"}]}"#, false),
        (#"{"items":[{"content":"no role, no type"}]}"#, false),
        (#"{"items":["text"]}"#, false),
        (#"{"items":{"type":"message"}}"#, false),
        (#"[]"#, false),
    ])
    func conversationItems(body: String, trusted: Bool) {
        #expect(OpenAIResponsesAdapter.conversationItemsKeepTrust(Self.parse(body)) == trusted)
    }

    @Test("interaction type, provider, continuation tracking, mock reply")
    func facts() {
        #expect(adapter.interactionType == "openai:responses")
        #expect(adapter.provider == .openai)
        #expect(adapter.tracksContinuation)
        let request = PipelineRequest(body: [:], model: "gpt-4.1", stream: false, toolDeclarations: [])
        #expect(adapter.mockResponse(for: request, created: 1_760_000_000) == Self.parse(#"""
            {"id":"resp_mock123","object":"response","created_at":1760000000,"status":"completed","model":"gpt-4.1",
             "output":[{"type":"function_call","id":"fc_mock789","call_id":"call_mock789","name":"list_files","arguments":"{\"path\": \".\"}","status":"completed"}],
             "usage":{"input_tokens":82,"output_tokens":17,"total_tokens":99}}
            """#))
    }
}
