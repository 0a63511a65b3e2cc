import ArchestraCore
import Testing

/// Default agents are named after the `User-Agent` without versions, so an SDK upgrade keeps the application's
/// agent (and its policies); the names of real clients.
@Suite("Agent names from User-Agents")
struct AgentNameTests {
    static let cases: [(userAgent: String?, name: String)] = [
        ("OpenAI/Python 3.57.0", "OpenAI/Python"),
        ("OpenAI/Python 3.58.0", "OpenAI/Python"),
        ("Anthropic/Python 2.13.0", "Anthropic/Python"),
        ("google-genai-sdk/3.6.1 gl-python/3.11.7", "google-genai-sdk gl-python"),
        ("pydantic-ai/2.68.0", "pydantic-ai"),
        ("Agents/Python 0.24.0", "Agents/Python"),
        ("litellm/1.110.2", "litellm"),
        ("langchain-partner-python-azure-openai", "langchain-partner-python-azure-openai"),
        ("OpenAI/JS 6.2.0", "OpenAI/JS"),
        ("python-httpx/0.28.1", "python-httpx"),
        ("curl/8.5.0", "curl"),
        ("inbox-assistant/v2.1.0-beta", "inbox-assistant"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "Mozilla AppleWebKit Chrome Safari"),
        ("my agent 2025-11-30", "my agent"),
        ("billing-bot", "billing-bot"),
        ("Tool/Python/3.1", "Tool/Python/3.1"),
        ("  padded   name  ", "padded name"),
        ("evil\u{0}name\u{7}", "evilname"),
        ("", Agent.defaultName),
        (nil, Agent.defaultName),
        ("1.2.3", Agent.defaultName),
        ("(comment only)", Agent.defaultName),
    ]

    @Test("normalisation", arguments: cases)
    func normalise(_ row: (userAgent: String?, name: String)) {
        #expect(AgentName.fromUserAgent(row.userAgent) == row.name)
    }

    @Test("names are cut to 128 characters")
    func bounded() {
        let long = String(repeating: "é", count: 70_000)
        let name = AgentName.fromUserAgent(long)
        #expect(name.count == AgentName.maxLength)
        #expect(name.allSatisfy { $0 == "é" })
    }

    /// Hostile or odd spellings: control and invisible format characters never reach a name.
    static let hostile: [(userAgent: String?, name: String)] = [
        ("   ", Agent.defaultName),
        ("\u{0}\u{1}\u{7F}\u{85}", Agent.defaultName),
        ("line\nbreak\r\nand\ttab", "linebreakandtab"),
        ("c1\u{80}\u{9B}\u{9F}controls", "c1controls"),
        ("escape \u{1B}[31mred", "escape [31mred"),
        ("right\u{202E}to-left zero\u{200B}width", "rightto-left zerowidth"),
        ("Ünïcödé 🤖 агент", "Ünïcödé 🤖 агент"),
        (String(repeating: "a", count: 200), String(repeating: "a", count: 128)),
        ("\u{0}" + String(repeating: "b", count: 130), String(repeating: "b", count: 128)),
    ]

    @Test("hostile spellings", arguments: hostile)
    func hostileSpellings(_ row: (userAgent: String?, name: String)) {
        #expect(AgentName.fromUserAgent(row.userAgent) == row.name)
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
