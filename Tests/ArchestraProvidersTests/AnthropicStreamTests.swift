import ArchestraCore
import ArchestraProviders
import Testing

/// Reassembly of recorded Anthropic streams and the refusal events, through the SSE decoder at every
/// byte boundary.
@Suite("Anthropic streams: reassembly and refusal events")
struct AnthropicStreamTests {
    typealias Fixture = AnthropicStreamFixture

    static func parse(_ text: String) -> JSONValue { ProviderFixtureJSON.parse(text) }

    @Test("the recorded stream reassembles to its message; the tool call has its streamed input")
    func reassembly() {
        var assembler = AnthropicStreamAssembler()
        let events = decodeEvents(Fixture.bytes)
        #expect(events.map(\.event) == Fixture.events.map(\.type))
        for event in events { assembler.add(data: event.data) }
        #expect(ProviderFixtureJSON.same(assembler.assembled(), Self.parse(Fixture.assembled)), "got \(JSONWriter.string(assembler.assembled()))")
        #expect(assembler.toolCalls() == [Fixture.toolCall])
        #expect(assembler.firstToolUseIndex == 1)
    }

    /// Checks one gated run of the fixture: what was forwarded, held, reassembled.
    static func check(_ run: GatedRun<AnthropicMessagesStream>) -> [String] {
        var problems: [String] = []
        let split = Fixture.firstToolCallEvent
        if run.forwarded.map(\.event) != Fixture.events[..<split].map(\.type) { problems.append("forwarded names \(run.forwarded.map(\.event))") }
        if run.forwarded.map(\.data) != Fixture.events[..<split].map(\.data) { problems.append("forwarded data") }
        if run.held.map(\.data) != Fixture.events[split...].map(\.data) { problems.append("held data") }
        if Array(run.carriesToolCall.prefix(split + 1)) != (0...split).map({ $0 == split }) {
            problems.append("tool-call detection \(run.carriesToolCall)")
        }
        if run.assembly.toolCalls() != [Fixture.toolCall] { problems.append("tool calls \(run.assembly.toolCalls())") }
        var released = run
        released.release()
        if !ProviderFixtureJSON.same(released.assembly.clientView(), parse(Fixture.assembled)) {
            problems.append("client view \(JSONWriter.string(released.assembly.clientView()))")
        }
        if released.assembly.usage() != TokenUsage(input: 472, output: 89) { problems.append("usage \(String(describing: released.assembly.usage()))") }
        return problems
    }

    @Test("cut at every byte boundary (inside JSON, inside multi-byte characters): same events, message and tool calls")
    func everyByteBoundary() {
        let bytes = Fixture.bytes
        // The fixture really has cuts inside UTF-8 characters (ü, 🌤, —, …).
        #expect(ByteCuts.insideUTF8Characters(bytes).count >= 8)
        var failures: [(Int, [String])] = []
        for offset in 0...bytes.count {
            let problems = Self.check(GatedRun(assembly: AnthropicMessagesStream(), pieces: ByteCuts.split(bytes, at: offset)))
            if !problems.isEmpty { failures.append((offset, problems)) }
        }
        #expect(failures.isEmpty, "cuts that changed the result: \(failures.prefix(5))")
    }

    @Test("one byte at a time")
    func singleBytes() {
        #expect(Self.check(GatedRun(assembly: AnthropicMessagesStream(), pieces: ByteCuts.single(Fixture.bytes))) == [])
    }

    @Test("the held events are exactly the upstream bytes from the tool_use block's start on")
    func heldBytesAreUpstreamBytes() {
        let run = GatedRun(assembly: AnthropicMessagesStream(), pieces: ByteCuts.split(Fixture.bytes, at: 100))
        #expect((run.forwarded + run.held).flatMap(\.raw) == Fixture.bytes)
    }

    @Test("each event is decoded as soon as its last byte arrives (forwarded as they arrive), LF or CRLF framing")
    func eventsDecodedOnArrival() {
        for newline in ["\n", "\r\n"] {
            var decoder = ServerSentEventDecoder()
            for (type, data) in Fixture.events {
                let events = decoder.feed(Array("event: \(type)\(newline)data: \(data)\(newline)\(newline)".utf8))
                #expect(events.map(\.data) == [data], "framing \(newline.debugDescription): \(type) waited for the next bytes")
            }
            #expect(decoder.finish() == nil)
        }
    }

    static let untrusted = "Tool invocation blocked: context contains untrusted data"

    @Test("refusal events: text block at the tool_use index, CONTENT, stop, message_delta with end_turn and the held usage, stop")
    func refusalEvents() throws {
        var run = GatedRun(assembly: AnthropicMessagesStream(), pieces: [Fixture.bytes[...]])
        let call = try #require(run.assembly.toolCalls().first)
        let bytes = run.assembly.refusalEvents(Refusal(call: call, reason: Self.untrusted))
        let content = ExpectedRefusal.content(
            tool: "get_weather", arguments: #"{"location":"Zürich, CH","unit":"celsius","days":3}"#, reason: Self.untrusted)
        let expected: [(String, String)] = [
            ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":\#(JSONWriter.string(.string(content)))}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":89}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        let events = decodeEvents(bytes)
        #expect(events.map(\.event) == expected.map(\.0))
        for (event, (_, data)) in zip(events, expected) {
            #expect(ProviderFixtureJSON.same(Self.parse(event.data), Self.parse(data)), "\(event.data)")
            // Anthropic framing: `event:` line, one `data:` line, blank line.
            #expect(String(decoding: event.raw, as: UTF8.self) == "event: \(event.event ?? "")\ndata: \(event.data)\n\n")
        }
        #expect(events.flatMap(\.raw) == bytes)

        // The client's message: the text streamed before the hold, then CONTENT in the refused block's place.
        let view = run.assembly.clientView()
        let blocks = view["content"]?.arrayValue ?? []
        #expect(blocks == [
            ["type": "text", "text": "Okay, let me check the weather in Zürich 🌤 — one moment…"],
            ["type": "text", "text": .string(content)],
        ])
        #expect(view["stop_reason"] == "end_turn")
        #expect(view["stop_sequence"] == .null)
        #expect(view["id"] == "msg_01XFDUDYJgAACzvnptvVoYEL")
        #expect(view["usage"]?["output_tokens"] == 89)
        #expect(view["usage"]?["input_tokens"] == 472)
        #expect(!JSONWriter.string(view).contains("tool_use"))
    }

    @Test("a tool_use block first and no usage in message_delta: refusal at index 0, message_delta without usage")
    func refusalWithoutTextOrUsage() throws {
        var run = GatedRun(assembly: AnthropicMessagesStream(), pieces: [AnthropicStreamFixture.toolFirstBytes[...]])
        #expect(run.forwarded.map(\.event) == ["message_start"])
        #expect(run.carriesToolCall.first == false && run.carriesToolCall.dropFirst().first == true)
        let call = try #require(run.assembly.toolCalls().first)
        #expect(call == NeutralToolCall(id: "toolu_02", name: "send_email", arguments: .parsed(["to": "a@evil.example"])))
        let events = decodeEvents(run.assembly.refusalEvents(Refusal(call: call, reason: "R")))
        try #require(events.count == 5)
        #expect(Self.parse(events[0].data)["index"] == 0)
        #expect(Self.parse(events[1].data)["index"] == 0)
        #expect(Self.parse(events[2].data)["index"] == 0)
        #expect(ProviderFixtureJSON.same(Self.parse(events[3].data), Self.parse(#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null}}"#)))
        let content = ExpectedRefusal.content(tool: "send_email", arguments: #"{"to":"a@evil.example"}"#, reason: "R")
        #expect(run.assembly.clientView()["content"] == [["type": "text", "text": .string(content)]])
        #expect(run.assembly.usage() == TokenUsage(input: 10, output: 1))
    }

    @Test("streamed input that is not valid JSON is an unparseable call, quoted raw")
    func unparseableInput() throws {
        let text = #"{"to": "x@evil.example", "body": "#
        let events: [(String, String)] = [
            ("message_start", #"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"c","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"send_email","input":{}}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":\#(JSONWriter.string(.string(text)))}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        let bytes = Array(events.map { "event: \($0.0)\ndata: \($0.1)\n\n" }.joined().utf8)
        let run = GatedRun(assembly: AnthropicMessagesStream(), pieces: [bytes[...]])
        #expect(run.assembly.toolCalls() == [NeutralToolCall(id: "t", name: "send_email", arguments: .unparseable(text))])
    }

    @Test("text that merely mentions tool_use or content_block_start does not start the hold")
    func textMentioningToolUse() {
        let data = #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a \"content_block_start\" with \"type\":\"tool_use\""}}"#
        var assembly = AnthropicMessagesStream()
        let textCarries = assembly.observeUpstream(ServerSentEvent(event: "content_block_delta", data: data, raw: []))
        #expect(!textCarries)
        let server = #"{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}"#
        let serverToolCarries = assembly.observeUpstream(ServerSentEvent(event: "content_block_start", data: server, raw: []))
        #expect(!serverToolCarries)
    }

    /// Frames (event type, data) pairs as Anthropic does.
    static func frame(_ events: [(String, String)]) -> [UInt8] {
        Array(events.map { "event: \($0.0)\ndata: \($0.1)\n\n" }.joined().utf8)
    }

    @Test("a tool_use block that a later block at the same index replaces is still held and judged")
    func replacedToolUseBlock() {
        // A client appends every block it is sent, so it keeps the call (malformed stream, found by fuzz-stream-anthropic).
        let bytes = Self.frame([
            ("message_start", #"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"c","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"send_email","input":{}}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"to\":\"a@evil.example\"}"}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ])
        let run = GatedRun(assembly: AnthropicMessagesStream(), pieces: [bytes[...]])
        #expect(run.carriesToolCall == [false, true, false, false, false, false])
        #expect(run.held.count == 5)
        #expect(run.assembly.toolCalls() == [NeutralToolCall(id: "t", name: "send_email", arguments: .parsed(["to": "a@evil.example"]))])
    }

    @Test("a message_start whose message already holds a tool_use block starts the hold, and the call is judged")
    func toolUseInMessageStart() {
        let bytes = Self.frame([
            ("message_start", #"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"c","content":[{"type":"tool_use","id":"t0","name":"send_email","input":{"to":"b@evil.example"}}],"usage":{"input_tokens":1,"output_tokens":1}}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ])
        let run = GatedRun(assembly: AnthropicMessagesStream(), pieces: [bytes[...]])
        #expect(run.carriesToolCall == [true, false])
        #expect(run.forwarded.isEmpty)
        #expect(run.assembly.toolCalls() == [NeutralToolCall(id: "t0", name: "send_email", arguments: .parsed(["to": "b@evil.example"]))])
    }
}
