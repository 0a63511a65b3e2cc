import ArchestraCore
import Testing

/// Events are forwarded as they arrive until the first event carrying a tool call. From that event on
/// every event is held until the provider's stream ends; then the held events go out (allowed) or are dropped
/// (refused), so `finish()` hands them back in order.
@Suite("Policy: stream gate")
struct PolicyStreamGateTests {
    struct GateCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// Events in arrival order; a `tool:` prefix marks an event carrying a tool call.
        var events: [String]
        var forwarded: [String]
        var held: [String]

        var testDescription: String { name }
    }

    static let cases: [GateCase] = [
        GateCase(name: "an empty stream forwards and holds nothing", events: [], forwarded: [], held: []),
        GateCase(
            name: "text only: everything forwarded as it arrives", events: ["role", "text:Hel", "text:lo", "finish"],
            forwarded: ["role", "text:Hel", "text:lo", "finish"], held: []),
        GateCase(
            name: "text before the first tool call is forwarded, the rest held (later text too)",
            events: ["role", "text:Let me", "tool:call_1 start", "tool:call_1 args", "text:more", "finish", "usage"],
            forwarded: ["role", "text:Let me"],
            held: ["tool:call_1 start", "tool:call_1 args", "text:more", "finish", "usage"]),
        GateCase(
            name: "a tool call first: nothing forwarded", events: ["tool:call_1", "tool:call_2", "finish"],
            forwarded: [], held: ["tool:call_1", "tool:call_2", "finish"]),
        GateCase(
            name: "a tool call last: only it is held", events: ["text:a", "text:b", "tool:call_1"],
            forwarded: ["text:a", "text:b"], held: ["tool:call_1"]),
    ]

    @Test("forward until the first tool-call event, then hold", arguments: cases)
    func gate(_ row: GateCase) {
        var gate = StreamGate<String>()
        var forwarded: [String] = []
        var heldCount = 0
        for event in row.events {
            switch gate.receive(event, carriesToolCall: event.hasPrefix("tool:")) {
            case .forward(let passed): forwarded.append(passed)
            case .hold: heldCount += 1
            }
        }
        #expect(forwarded == row.forwarded)
        #expect(heldCount == row.held.count)
        #expect(gate.isHolding == !row.held.isEmpty)
        #expect(gate.finish() == row.held)
        #expect(gate.finish() == [], "finish hands the held events back once")
    }
}
