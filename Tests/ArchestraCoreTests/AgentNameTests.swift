import ArchestraCore
import Testing

/// Agent names taken from client-chosen `User-Agent`s are bounded and printable.
@Suite("Agent names from User-Agents")
struct AgentNameTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var userAgent: String?
        var expected: String
        var testDescription: String { userAgent.map { String($0.prefix(40)).debugDescription } ?? "nil" }
    }

    static let cases: [Case] = [
        Case(userAgent: nil, expected: "Default Agent"),
        Case(userAgent: "", expected: "Default Agent"),
        Case(userAgent: "   ", expected: "Default Agent"),
        Case(userAgent: "\u{0}\u{1}\u{7F}\u{85}", expected: "Default Agent"),
        Case(userAgent: "OpenAI/Python 1.57.0", expected: "OpenAI/Python 1.57.0"),
        Case(userAgent: "  padded  ", expected: "padded"),
        Case(userAgent: "line\nbreak\r\nand\ttab", expected: "linebreakandtab"),
        Case(userAgent: "nul\u{0}inside", expected: "nulinside"),
        Case(userAgent: "c1\u{80}\u{9B}\u{9F}controls", expected: "c1controls"),
        Case(userAgent: "escape \u{1B}[31mred", expected: "escape [31mred"),
        Case(userAgent: "Ünïcödé 🤖 агент", expected: "Ünïcödé 🤖 агент"),
        Case(userAgent: String(repeating: "a", count: 200), expected: String(repeating: "a", count: 128)),
        Case(userAgent: "\u{0}" + String(repeating: "b", count: 130), expected: String(repeating: "b", count: 128)),
    ]

    @Test("fromUserAgent: control characters removed, trimmed, cut to 128, Default Agent when nothing is left", arguments: cases)
    func fromUserAgent(_ testCase: Case) {
        #expect(AgentName.fromUserAgent(testCase.userAgent) == testCase.expected)
    }

    /// 64 KB User-Agents of different make-up: every name must stay small, however its characters are built.
    static let hugeUserAgents: [(String, String)] = [
        ("ASCII", String(repeating: "x", count: 65_536)),
        ("control characters throughout", String(repeating: "ab\u{1}\u{85}", count: 16_384)),
        ("four-byte emoji", String(repeating: "🤖", count: 16_384)),
        ("flags (two scalars each)", String(repeating: "🇨🇭", count: 8_192)),
        ("combining marks on one letter", "z" + String(repeating: "\u{301}", count: 32_000)),
        ("ZWJ sequences", String(repeating: "👩🏽‍💻", count: 4_000)),
    ]

    @Test("A 64 KB User-Agent becomes a name of at most 128 characters (scalars), without control characters")
    func hugeUserAgent() {
        for (label, userAgent) in Self.hugeUserAgents {
            let name = AgentName.fromUserAgent(userAgent)
            #expect(!name.isEmpty, "\(label)")
            #expect(name.count <= AgentName.maxLength, "\(label): \(name.count) characters")
            #expect(name.unicodeScalars.count <= AgentName.maxLength, "\(label): \(name.unicodeScalars.count) scalars, \(name.utf8.count) bytes")
            #expect(name.utf8.count <= 4 * AgentName.maxLength, "\(label): \(name.utf8.count) bytes")
            #expect(!name.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(label)")
        }
    }

    @Test("The same User-Agent always gives the same name (the agent is found again)")
    func stable() {
        for (_, userAgent) in Self.hugeUserAgents {
            #expect(AgentName.fromUserAgent(userAgent) == AgentName.fromUserAgent(userAgent))
        }
        #expect(Agent.overflowName == "Unattributed (agent limit reached)")
        #expect(AgentName.maxLength == 128)
    }
}
