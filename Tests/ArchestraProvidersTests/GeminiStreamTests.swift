import ArchestraCore
import ArchestraProviders
import Testing

/// Reassembly of a recorded Gemini SSE stream and the refusal chunk, through the SSE decoder at every
/// byte boundary.
@Suite("Gemini streams: reassembly and refusal chunk")
struct GeminiStreamTests {
    typealias Fixture = GeminiStreamFixture

    static func parse(_ text: String) -> JSONValue { ProviderFixtureJSON.parse(text) }

    static var request: PipelineRequest {
        PipelineRequest(body: ["contents": []], model: "gemini-2.5-flash", stream: true, toolDeclarations: [])
    }

    @Test("the recorded chunks reassemble to one GenerateContentResponse with parts concatenated")
    func reassembly() {
        var assembler = GeminiStreamAssembler()
        let events = decodeEvents(Fixture.bytes)
        #expect(events.map(\.data) == Fixture.chunks)
        for event in events { assembler.add(data: event.data) }
        #expect(ProviderFixtureJSON.same(assembler.assembled(), Self.parse(Fixture.assembled)), "got \(JSONWriter.string(assembler.assembled()))")
    }

    /// Checks one gated run of the fixture.
    static func check(_ run: GatedRun<GeminiGenerateContentStream>) -> [String] {
        var problems: [String] = []
        let split = Fixture.firstToolCallChunk
        if run.forwarded.map(\.data) != Array(Fixture.chunks[..<split]) { problems.append("forwarded \(run.forwarded.map(\.data))") }
        if run.held.map(\.data) != Array(Fixture.chunks[split...]) { problems.append("held \(run.held.map(\.data))") }
        if run.carriesToolCall != Fixture.chunks.indices.map({ $0 == split }) { problems.append("tool-call detection \(run.carriesToolCall)") }
        let calls = run.assembly.toolCalls()
        if calls.map(\.name) != [Fixture.toolName] || calls.map(\.arguments) != [.parsed(Fixture.toolArguments)] || calls.contains(where: { $0.id.isEmpty }) {
            problems.append("tool calls \(calls)")
        }
        var released = run
        released.release()
        if !ProviderFixtureJSON.same(released.assembly.clientView(), parse(Fixture.assembled)) {
            problems.append("client view \(JSONWriter.string(released.assembly.clientView()))")
        }
        if released.assembly.usage() != TokenUsage(input: 61, output: 24) { problems.append("usage \(String(describing: released.assembly.usage()))") }
        return problems
    }

    @Test("cut at every byte boundary (inside JSON, inside CRLF, inside multi-byte characters): same chunks, response, calls")
    func everyByteBoundary() {
        let bytes = Fixture.bytes
        #expect(ByteCuts.insideUTF8Characters(bytes).count >= 8)
        var failures: [(Int, [String])] = []
        for offset in 0...bytes.count {
            let problems = Self.check(GatedRun(assembly: GeminiGenerateContentAdapter().makeStream(for: Self.request), pieces: ByteCuts.split(bytes, at: offset)))
            if !problems.isEmpty { failures.append((offset, problems)) }
        }
        #expect(failures.isEmpty, "cuts that changed the result: \(failures.prefix(5))")
    }

    @Test("one byte at a time; every upstream byte is in the forwarded or held events")
    func singleBytes() {
        let run = GatedRun(assembly: GeminiGenerateContentAdapter().makeStream(for: Self.request), pieces: ByteCuts.single(Fixture.bytes))
        #expect(Self.check(run) == [])
        #expect((run.forwarded + run.held).flatMap(\.raw) == Fixture.bytes)
    }

    @Test("each CRLF-framed chunk is decoded as soon as its last byte arrives (forwarded as they arrive)")
    func chunksDecodedOnArrival() {
        var decoder = ServerSentEventDecoder()
        for chunk in Fixture.chunks {
            let events = decoder.feed(Array("data: \(chunk)\r\n\r\n".utf8))
            #expect(events.map(\.data) == [chunk], "a chunk ending in CRLF CRLF waited for the next bytes")
        }
        #expect(decoder.finish() == nil)
        // A CR that ends the input may still be the first half of CRLF: that one waits, and nothing is lost.
        var split = ServerSentEventDecoder()
        #expect(split.feed(Array("data: a\r\n\r".utf8)).isEmpty)
        #expect(split.feed(Array("\ndata: b\r\n\r\n".utf8)).map(\.data) == ["a", "b"])
    }

    @Test("refusal: one chunk with the refusal candidate and the last held chunk's usageMetadata and modelVersion")
    func refusalChunk() throws {
        var run = GatedRun(assembly: GeminiGenerateContentAdapter().makeStream(for: Self.request), pieces: [Fixture.bytes[...]])
        let call = try #require(run.assembly.toolCalls().first)
        let reason = "Tool invocation blocked: context contains untrusted data"
        let bytes = run.assembly.refusalEvents(Refusal(call: call, reason: reason))
        let content = ExpectedRefusal.content(tool: "get_weather", arguments: #"{"location":"Zürich, CH","days":3}"#, reason: reason)
        let events = decodeEvents(bytes)
        try #require(events.count == 1)
        #expect(events[0].event == nil)
        #expect(String(decoding: bytes, as: UTF8.self) == "data: \(events[0].data)\n\n")
        let lastHeld = Self.parse(Fixture.chunks[2])
        let expected: JSONValue = [
            "candidates": [["content": ["role": "model", "parts": [["text": .string(content)]]], "finishReason": "STOP", "index": 0]],
            "usageMetadata": lastHeld["usageMetadata"]!,
            "modelVersion": "gemini-2.5-flash",
        ]
        #expect(ProviderFixtureJSON.same(Self.parse(events[0].data), expected), "got \(events[0].data)")

        // The client's response: the streamed text followed by CONTENT, no functionCall.
        let view = run.assembly.clientView()
        let candidates = view["candidates"]?.arrayValue ?? []
        try #require(candidates.count == 1)
        let parts = candidates[0]["content"]?["parts"]?.arrayValue ?? []
        #expect(parts.compactMap { $0["text"]?.stringValue }.joined() == "Let me look that up for Zürich — 🌤 one moment…" + content)
        #expect(parts.allSatisfy { $0["functionCall"] == nil })
        #expect(candidates[0]["finishReason"] == "STOP")
        #expect(view["usageMetadata"] == lastHeld["usageMetadata"])
    }

    @Test("a chunk whose text merely mentions functionCall does not start the hold")
    func textMentioningFunctionCall() {
        var assembly = GeminiGenerateContentAdapter().makeStream(for: Self.request)
        let data = #"{"candidates":[{"content":{"role":"model","parts":[{"text":"use \"functionCall\": {\"name\": \"x\"}"}]},"index":0}]}"#
        let carries = assembly.observeUpstream(ServerSentEvent(event: nil, data: data, raw: []))
        #expect(!carries)
        #expect(assembly.toolCalls().isEmpty)
    }
}
