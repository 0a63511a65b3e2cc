import ArchestraCore
import Foundation
import Testing

@testable import ArchestraProviders

/// Work on client- and provider-controlled input grows linearly with its size: ten times the input may not cost
/// anything near a hundred times the time (the old decoder and tool-result naming did).
///
/// Each test compares two sizes measured in the same process (a ratio, not an absolute threshold), taking the
/// fastest of a few runs of each, the two sizes taking turns so a busy spell slows both rather than one.
@Suite("Linear cost", .serialized, .timeLimit(.minutes(2)))
struct LinearCostTests {
    /// The fastest of `runs` timings of `small` and of `large`, run in turns (small, large, small, ...), on a
    /// thread of its own: seconds of synchronous work on Swift's cooperative pool (one thread per core) would stall
    /// the other suites' servers and clients running beside it. Timing all the small runs before the large ones let
    /// a burst of load during the large ones alone make linear work look quadratic.
    static func fastest(
        runs: Int = 5, small: @escaping @Sendable () -> Void, large: @escaping @Sendable () -> Void
    ) async -> (small: Duration, large: Duration) {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let clock = ContinuousClock()
                var fastestSmall = clock.measure(small)
                var fastestLarge = clock.measure(large)
                for _ in 1..<runs {
                    fastestSmall = min(fastestSmall, clock.measure(small))
                    fastestLarge = min(fastestLarge, clock.measure(large))
                }
                continuation.resume(returning: (fastestSmall, fastestLarge))
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Times `small` and `large` in turns (see `fastest`) and asserts the large stays far below quadratic growth.
    static func expectLinear(
        small: @escaping @Sendable () -> Void, large: @escaping @Sendable () -> Void, factor: Double, limit: Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let timings = await fastest(small: small, large: large)
        expectLinear(small: timings.small, large: timings.large, factor: factor, limit: limit, sourceLocation: sourceLocation)
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
        await Self.expectLinear(
            small: { _ = Self.feedWithoutLineBreak(size: 200_000) }, large: { _ = Self.feedWithoutLineBreak(size: 2_000_000) },
            factor: 10, limit: 30
        )
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
        await Self.expectLinear(small: { _ = feed(events: 10_000) }, large: { _ = feed(events: 100_000) }, factor: 10, limit: 30)
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
        await Self.expectLinear(small: { _ = judge(small) }, large: { _ = judge(large) }, factor: 10, limit: 30)
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
        await Self.expectLinear(small: { _ = judge(small) }, large: { _ = judge(large) }, factor: 10, limit: 30)
    }
}

extension Duration {
    /// Whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
