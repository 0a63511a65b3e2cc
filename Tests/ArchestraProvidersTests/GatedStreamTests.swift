import ArchestraCore
import Testing

@testable import ArchestraProviders

/// The stream gate as a value: text passes at once, tool-call events are held, and the caller's verdict becomes
/// either the held bytes unchanged or the refusal, with the record's view matching what the client received.
@Suite("Gated stream")
struct GatedStreamTests {
    static let bytes = OpenAIStreamFixture.bytes
    /// Bytes of the events before the first tool-call chunk (the role chunk and three text chunks).
    static let textBytes = Array(OpenAIStreamFixture.payloads.prefix(4).map { "data: \($0)\n\n" }.joined().utf8)
    static let heldBytes = Array(OpenAIStreamFixture.payloads.dropFirst(4).map { "data: \($0)\n\n" }.joined().utf8)
    static let streamedText = "Héllo 👋 世界, checking \"Zürich\"…"

    /// Runs the fixture through a gate in the given pieces; returns the gate and the bytes it let through.
    static func run(_ pieces: [ArraySlice<UInt8>]) -> (GatedStream<OpenAIChatStream>, forwarded: [UInt8], held: [NeutralToolCall]?) {
        var gate = GatedStream(OpenAIChatStream(model: "gpt-4o"))
        var forwarded: [UInt8] = []
        for piece in pieces { forwarded += gate.receive(piece) }
        let (trailing, held) = gate.end()
        forwarded += trailing
        return (gate, forwarded, held)
    }

    @Test("Events pass until the first tool-call chunk; from it on everything is held and the calls come back at the end")
    func holdsFromFirstToolCall() throws {
        let (gate, forwarded, held) = Self.run([Self.bytes[...]])
        #expect(forwarded == Self.textBytes)
        #expect(gate.isHolding)
        #expect(gate.receivedBytes == Self.bytes.count)
        let calls = try #require(held)
        #expect(calls.map(\.name) == ["get_weather"])
        #expect(calls.map(\.id) == ["call_Wz1"])
        #expect(calls.first?.arguments == .parsed(["city": "Zürich"]))
    }

    @Test("Released: the held bytes go out unchanged and in order; the record is the whole reply")
    func release() {
        var (gate, forwarded, _) = Self.run([Self.bytes[...]])
        let closing = gate.conclude(refusing: nil)
        #expect(closing == Self.heldBytes)
        #expect(forwarded + closing == Self.bytes)
        #expect(ProviderFixtureJSON.same(gate.clientView, ProviderFixtureJSON.parse(OpenAIStreamFixture.assembled)))
    }

    @Test("Refused: the held bytes are dropped for the refusal; the record shows the text sent, then the refusal")
    func refuse() throws {
        var (gate, forwarded, held) = Self.run([Self.bytes[...]])
        let call = try #require(held?.first)
        let refusal = Refusal(call: call, reason: "Tool invocation blocked: context contains untrusted data")
        let closing = gate.conclude(refusing: refusal)
        let text = String(decoding: closing, as: UTF8.self)
        #expect(!text.contains("tool_calls") && !text.contains("get_weather\","), "the refused call leaked: \(text)")
        #expect(text.hasSuffix("data: [DONE]\n\n"))
        let events = decodeEvents(forwarded + closing)
        #expect(events.count == 4 + 2, "four text events, the refusal chunk and [DONE]")

        let view = gate.clientView
        let message = view["choices"]?.arrayValue?.first?["message"]
        #expect(message?["content"] == .string(Self.streamedText + refusal.content))
        #expect(message?["tool_calls"] == nil || message?["tool_calls"] == .null)
        #expect(view["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
        // The calls the provider streamed stay known, for the record's evaluation.
        #expect(gate.toolCalls.map(\.name) == ["get_weather"])
    }

    @Test("Cut anywhere, the gate lets the same bytes through and holds the same calls")
    func cutAnywhere() {
        let whole = Self.run([Self.bytes[...]])
        for offset in stride(from: 1, to: Self.bytes.count, by: 13) {
            var (gate, forwarded, held) = Self.run([Self.bytes[..<offset], Self.bytes[offset...]])
            #expect(forwarded == whole.forwarded, "cut at \(offset)")
            #expect(held == whole.held, "cut at \(offset)")
            #expect(gate.conclude(refusing: nil) == Self.heldBytes, "cut at \(offset)")
        }
    }

    @Test("A stream without a tool call passes whole and holds nothing; concluding adds nothing")
    func noToolCall() {
        let text = Array(OpenAIStreamFixture.payloads.prefix(4).map { "data: \($0)\n\n" }.joined().utf8) + Array("data: [DONE]\n\n".utf8)
        var (gate, forwarded, held) = Self.run([text[...]])
        #expect(forwarded == text)
        #expect(held == nil)
        #expect(!gate.isHolding)
        #expect(gate.conclude(refusing: nil).isEmpty)
        #expect(gate.clientView["choices"]?.arrayValue?.first?["message"]?["content"] == .string(Self.streamedText))
    }

    @Test("An unterminated last event is routed at the end like any other: held once the hold began")
    func unterminatedLastEvent() throws {
        let cut = Array(Self.bytes.dropLast("\n\ndata: [DONE]\n\n".utf8.count))
        var (gate, forwarded, held) = Self.run([cut[...]])
        #expect(forwarded == Self.textBytes)
        #expect(try #require(held).map(\.name) == ["get_weather"])
        #expect(gate.conclude(refusing: nil) == Array(cut.dropFirst(Self.textBytes.count)))
    }
}
