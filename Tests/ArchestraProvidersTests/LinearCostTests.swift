import ArchestraCore
import Foundation
import Testing

@testable import ArchestraProviders

/// Work on client- and provider-controlled input grows linearly with its size: ten times the input may not cost
/// anything near a hundred times the time (the old decoder and tool-result naming did).
///
/// Each test compares two sizes measured in the same process (a ratio, not an absolute threshold), taking the
/// fastest of a few runs so a busy machine does not decide the outcome.
@Suite("Linear cost", .serialized, .timeLimit(.minutes(2)))
struct LinearCostTests {
    /// The fastest of `runs` timings of `work`, timed on a thread of its own: seconds of synchronous work on Swift's
    /// cooperative pool (one thread per core) would stall the other suites' servers and clients running beside it.
    static func fastest(runs: Int = 3, _ work: @escaping @Sendable () -> Void) async -> Duration {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let clock = ContinuousClock()
                continuation.resume(returning: (0..<runs).map { _ in clock.measure(work) }.min()!)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Asserts `large` stays far below quadratic growth against `small` for a `factor` times larger input.
    static func expectLinear(small: Duration, large: Duration, factor: Double, limit: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let ratio = Double(large.nanoseconds) / max(Double(small.nanoseconds), 1)
        #expect(
            ratio < limit,
            "\(factor)× the input took \(ratio)× the time (\(small) → \(large)); quadratic would be \(factor * factor)×",
            sourceLocation: sourceLocation
        )
    }

    /// Feeds `size` bytes without a single line break, in 64-byte chunks.
    static func feedWithoutLineBreak(size: Int) -> Int {
        var decoder = ServerSentEventDecoder()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64)
        var events = 0
        var fed = 0
        events += decoder.feed(Array("data: ".utf8)).count
        while fed < size {
            events += decoder.feed(chunk).count
            fed += chunk.count
        }
        if decoder.finish() != nil { events += 1 }
        return events
    }

    @Test("An event stream that never sends a line break is decoded in linear time (200 KB vs 2 MB in 64-byte chunks)")
    func decoderWithoutLineBreak() async {
        #expect(Self.feedWithoutLineBreak(size: 4_096) == 1, "the unterminated event comes out at the end, once")
        let small = await Self.fastest { _ = Self.feedWithoutLineBreak(size: 200_000) }
        let large = await Self.fastest { _ = Self.feedWithoutLineBreak(size: 2_000_000) }
        Self.expectLinear(small: small, large: large, factor: 10, limit: 30)
    }

    @Test("Many small events arriving a few bytes at a time are decoded in linear time")
    func decoderManySmallEvents() async {
        @Sendable func feed(events count: Int) -> Int {
            let bytes = Array(String(repeating: "data: {\"x\":1}\n\n", count: count).utf8)
            var decoder = ServerSentEventDecoder()
            var decoded = 0
            var offset = 0
            while offset < bytes.count {
                decoded += decoder.feed(bytes[offset..<min(offset + 7, bytes.count)]).count
                offset += 7
            }
            return decoded
        }
        #expect(feed(events: 100) == 100)
        let small = await Self.fastest { _ = feed(events: 10_000) }
        let large = await Self.fastest { _ = feed(events: 100_000) }
        Self.expectLinear(small: small, large: large, factor: 10, limit: 30)
    }

    /// A chat-completions body with `count` tool calls, each answered by a tool message.
    static func openAIBody(toolResults count: Int) -> JSONObject {
        var messages: [JSONValue] = [["role": "user", "content": "go"]]
        messages.reserveCapacity(2 * count + 1)
        for index in 0..<count {
            let id = JSONValue.string("call_\(index)")
            messages.append([
                "role": "assistant", "content": nil,
                "tool_calls": [["id": id, "type": "function", "function": ["name": .string("tool_\(index % 7)"), "arguments": "{}"]]],
            ])
            messages.append(["role": "tool", "tool_call_id": id, "content": "{\"ok\":true}"])
        }
        return ["model": "gpt-4o", "messages": .array(messages)]
    }

    /// A messages body with `count` tool_use blocks, each answered by a tool_result block.
    static func anthropicBody(toolResults count: Int) -> JSONObject {
        var messages: [JSONValue] = [["role": "user", "content": "go"]]
        messages.reserveCapacity(2 * count + 1)
        for index in 0..<count {
            let id = JSONValue.string("toolu_\(index)")
            messages.append(["role": "assistant", "content": [["type": "tool_use", "id": id, "name": .string("tool_\(index % 7)"), "input": [:]]]])
            messages.append(["role": "user", "content": [["type": "tool_result", "tool_use_id": id, "content": "{\"ok\":true}"]]])
        }
        return ["model": "claude", "max_tokens": 1, "messages": .array(messages)]
    }

    static let emptySnapshot = PolicySnapshot.empty

    @Test("Chat completions: finding, naming and judging 50,000 tool results costs about 10× 5,000 of them")
    func openAIToolResults() async {
        let small = Self.openAIBody(toolResults: 5_000)
        let large = Self.openAIBody(toolResults: 50_000)
        @Sendable func judge(_ body: JSONObject) -> ContextJudgement {
            ContextJudgement(results: OpenAIChatAdapter.locatedToolResults(in: body).map(\.result), snapshot: Self.emptySnapshot)
        }
        let check = judge(small)
        #expect(check.results.count == 5_000)
        #expect(check.results.last?.toolName == "tool_\(4_999 % 7)", "each result is named from its own call")
        #expect(check.contextIsTrusted == false)
        Self.expectLinear(small: await Self.fastest { _ = judge(small) }, large: await Self.fastest { _ = judge(large) }, factor: 10, limit: 30)
    }

    @Test("Messages: finding, naming and judging 50,000 tool_result blocks costs about 10× 5,000 of them")
    func anthropicToolResults() async {
        let adapter = AnthropicMessagesAdapter()
        let small = Self.anthropicBody(toolResults: 5_000)
        let large = Self.anthropicBody(toolResults: 50_000)
        @Sendable func judge(_ body: JSONObject) -> ContextJudgement {
            ContextJudgement(results: adapter.toolResults(in: body), snapshot: Self.emptySnapshot)
        }
        let check = judge(small)
        #expect(check.results.count == 5_000)
        #expect(check.results.last?.toolName == "tool_\(4_999 % 7)")
        Self.expectLinear(small: await Self.fastest { _ = judge(small) }, large: await Self.fastest { _ = judge(large) }, factor: 10, limit: 30)
    }
}

extension Duration {
    /// Whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
