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
}
