import ArchestraProviders
import Testing

@Suite("Server-sent event decoder")
struct ServerSentEventDecoderTests {
    /// The three line-end conventions of the recorded stream.
    enum Framing: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case lf, crlf, cr

        var bytes: [UInt8] {
            switch self {
            case .lf: OpenAIStreamFixture.bytes
            case .crlf: OpenAIStreamFixture.crlfBytes
            case .cr: OpenAIStreamFixture.crBytes
            }
        }

        var testDescription: String { rawValue }
    }

    /// Feeds the chunks in order, then closes the stream.
    static func decode(_ chunks: [ArraySlice<UInt8>]) -> [ServerSentEvent] {
        var decoder = ServerSentEventDecoder()
        var events: [ServerSentEvent] = []
        for chunk in chunks { events += decoder.feed(chunk) }
        if let last = decoder.finish() { events.append(last) }
        return events
    }

    @Test("The recorded OpenAI stream decodes to its events with their exact bytes")
    func recordedStream() {
        let bytes = OpenAIStreamFixture.bytes
        let events = Self.decode([bytes[...]])
        #expect(events.map(\.data) == OpenAIStreamFixture.payloads)
        #expect(events.allSatisfy { $0.event == nil })
        #expect(events.map(\.raw) == OpenAIStreamFixture.payloads.map { Array("data: \($0)\n\n".utf8) })
        #expect(events.flatMap(\.raw) == bytes)
        // A complete stream leaves nothing behind.
        var decoder = ServerSentEventDecoder()
        _ = decoder.feed(bytes)
        let leftover = decoder.finish()
        #expect(leftover == nil)
    }

    @Test("CRLF framing, comments, named events and multi-line data")
    func crlfStream() throws {
        let bytes = OpenAIStreamFixture.crlfBytes
        let events = Self.decode([bytes[...]])
        #expect(events.flatMap(\.raw) == bytes)
        try #require(events.count == OpenAIStreamFixture.payloads.count + 2)
        #expect(events[0].raw == Array(": keep-alive ☕\r\n\r\n".utf8))
        #expect(events[0].data == "")
        #expect(Array(events[1...].dropLast().map(\.data)) == OpenAIStreamFixture.payloads)
        #expect(events[1].raw == Array("data: \(OpenAIStreamFixture.payloads[0])\r\n\r\n".utf8))
        let notice = try #require(events.last)
        #expect(notice.event == "notice")
        #expect(notice.data == "first line é\nsecond line 😀")
    }

    @Test("Bare CR framing; an unterminated last event is returned by finish()")
    func crStream() throws {
        let bytes = OpenAIStreamFixture.crBytes
        var decoder = ServerSentEventDecoder()
        let fed = decoder.feed(bytes)
        #expect(fed.map(\.data) == Array(OpenAIStreamFixture.payloads.dropLast()))
        let finished = decoder.finish()
        let last = try #require(finished)
        #expect(last.data == "[DONE]")
        #expect(last.raw == Array("data: [DONE]\r".utf8))
        #expect((fed + [last]).flatMap(\.raw) == bytes)
    }

    @Test("Split at every byte boundary, the stream yields the same events and bytes", arguments: Framing.allCases)
    func everySplitPoint(framing: Framing) {
        let bytes = framing.bytes
        // The fixture must exercise the hard boundaries: inside multi-byte characters and (CRLF) between \r and \n.
        #expect(bytes.contains { $0 >= 0xF0 })
        if framing == .crlf { #expect(zip(bytes, bytes.dropFirst()).contains { $0 == 0x0D && $1 == 0x0A }) }
        let reference = Self.decode([bytes[...]])
        var mismatches: [Int] = []
        for cut in 0...bytes.count where Self.decode([bytes[..<cut], bytes[cut...]]) != reference {
            mismatches.append(cut)
        }
        #expect(mismatches.isEmpty, "cuts that changed the events: \(mismatches.prefix(20))")
    }

    @Test("Fed one byte at a time or in uneven pieces, the stream yields the same events", arguments: Framing.allCases)
    func smallPieces(framing: Framing) {
        let bytes = framing.bytes
        let reference = Self.decode([bytes[...]])
        #expect(Self.decode(bytes.indices.map { bytes[$0...$0] }) == reference)
        // Deterministic pseudo-random cuts into 3 to 9 byte pieces.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let end = min(bytes.count, start + 3 + Int(seed >> 61))
            pieces.append(bytes[start..<end])
            start = end
        }
        #expect(Self.decode(pieces) == reference)
    }

    @Test("encode writes the standard framing")
    func encode() {
        #expect(ServerSentEvent.encode(data: #"{"a":1}"#) == Array("data: {\"a\":1}\n\n".utf8))
        #expect(ServerSentEvent.encode(event: "message_stop", data: "{}") == Array("event: message_stop\ndata: {}\n\n".utf8))
        var decoder = ServerSentEventDecoder()
        let events = decoder.feed(ServerSentEvent.encode(event: "ping", data: "é"))
        #expect(events == [ServerSentEvent(event: "ping", data: "é", raw: Array("event: ping\ndata: é\n\n".utf8))])
    }
}
