import ArchestraCore
import Testing

@testable import ArchestraProviders

/// Fail-closed routing: no spelling of a pipeline route, however hostile, is classified as a pass-through write.
@Suite("Route classifier: hostile spellings")
struct RouteClassifierHostileTests {
    /// What a POST to a hostile target may become.
    enum Expected: Sendable, Equatable {
        /// Refused (400 or 404), never forwarded.
        case refused
        /// Judged by this endpoint's pipeline (an odd first segment is then an agent id, checked later).
        case pipeline(Endpoint, agentSegment: String?)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var provider: Provider
        var target: String
        var expected: Expected
        var testDescription: String { "\(provider.rawValue) \(target.debugDescription)" }

        init(_ provider: Provider, _ target: String, _ expected: Expected = .refused) {
            self.provider = provider
            self.target = target
            self.expected = expected
        }
    }

    static let openAI: [Case] = [
        Case(.openai, "/v1/openai/chat//completions"),
        Case(.openai, "/v1/openai//chat/completions"),
        Case(.openai, "/v1/openai/chat/completions;x"),
        Case(.openai, "/v1/openai/chat;x/completions"),
        Case(.openai, "/v1/openai/chat/completions%20"),
        Case(.openai, "/v1/openai/chat/completions%00"),
        Case(.openai, "/v1/openai/chat%2Fcompletions"),
        Case(.openai, "/v1/openai/chat%2fcompletions"),
        Case(.openai, "/v1/openai/%63hat/completions"),
        Case(.openai, "/v1/openai/chat/completions/x"),
        Case(.openai, "/v1/openai/chat/completions/"),
        Case(.openai, "/v1/openai/chat/completions."),
        Case(.openai, "/v1/openai/chat/completions.."),
        Case(.openai, "/v1/openai/chat/completions~"),
        Case(.openai, "/v1/openai/chat:completions"),
        Case(.openai, "/v1/openai/%u002e%u002e/x"),
        Case(.openai, "/v1/openai/%u002e%u002e/chat/completions"),
        Case(.openai, "/v1/openai/%2e%2e/chat/completions"),
        Case(.openai, "/v1/openai/../chat/completions"),
        Case(.openai, "/v1/openai/./chat/completions"),
        Case(.openai, "/v1/openai/chat/./completions"),
        Case(.openai, "/v1/openai/x/../chat/completions"),
        Case(.openai, "/v1/openai/embeddings/../chat/completions"),
        Case(.openai, "/v1/openai/files/x/../../chat/completions"),
        Case(.openai, "/v1/openai/uploads/../chat/completions"),
        Case(.openai, "/v1/openai/conversations/..%2fchat/completions"),
        Case(.openai, "/v1/openai/images/%2e%2e/%2e%2e/chat/completions"),
        Case(.openai, "/v1/openai/Chat/Completions"),
        Case(.openai, "/v1/openai/CHAT/COMPLETIONS"),
        Case(.openai, "/v1/openai/chat/Completions"),
        Case(.openai, #"/v1/openai/chat\completions"#),
        Case(.openai, #"/v1/openai/chat/completions\"#),
        Case(.openai, #"/v1/openai\chat\completions"#),
        Case(.openai, "/v1/openai/chat/complet\u{0456}ons"),  // Cyrillic і
        Case(.openai, "/v1/openai/\u{0441}hat/completions"),  // Cyrillic с
        Case(.openai, "/v1/openai/chat\u{FF0F}completions"),  // fullwidth solidus
        Case(.openai, "/v1/openai/chat\u{2215}completions"),  // division slash
        Case(.openai, "/v1/openai/chat/completions\u{200B}"),  // zero-width space
        Case(.openai, "/v1/openai/chat/completions\u{0}"),
        Case(.openai, "/v1/openai/chat/completions\t"),
        Case(.openai, "/v1/openai/chat/completions\r\n"),
        Case(.openai, "/v1/openai/chat/completions#fragment"),
        Case(.openai, "/v1/openai/chat/completions#"),
        Case(.openai, "http://localhost/v1/openai/chat/completions"),
        Case(.openai, "http://api.openai.com/v1/openai/chat/completions"),
        Case(.openai, "//v1/openai/chat/completions"),
        Case(.openai, " /v1/openai/chat/completions"),
        Case(.openai, "/V1/openai/chat/completions"),
        Case(.openai, "/v1/OpenAI/chat/completions"),
        Case(.openai, "/v1/openai"),
        Case(.openai, "/v1/openai/"),
        Case(.openai, ""),
        Case(.openai, "*"),
        Case(.openai, "/v1/openai/completions"),
        Case(.openai, "/v1/openai/batches"),
        Case(.openai, "/v1/openai/threads/t/runs"),
        Case(.openai, "/v1/openai/assistants"),
        Case(.openai, "/v1/openai/embeddings/x"),
        Case(.openai, "/v1/openai/responses/r/x"),
        Case(.openai, "/v1/openai/6f1f9b4e-3b7a-4c55-9b1e-2f3a4b5c6d7e/6f1f9b4e-3b7a-4c55-9b1e-2f3a4b5c6d7e/chat/completions"),
        // An odd first segment is read as an agent id (then refused 400 as not a UUID), never forwarded.
        Case(.openai, "/v1/openai/v1/chat/completions", .pipeline(.openAIChatCompletions, agentSegment: "v1")),
        Case(.openai, "/v1/openai/x/chat/completions", .pipeline(.openAIChatCompletions, agentSegment: "x")),
        Case(.openai, "/v1/openai/chat/completions?x=1#y", .pipeline(.openAIChatCompletions, agentSegment: nil)),
        Case(.openai, "/v1/openai/chat/completions??", .pipeline(.openAIChatCompletions, agentSegment: nil)),
        Case(.openai, "/v1/openai/responses", .pipeline(.openAIResponses, agentSegment: nil)),
    ]

    static let anthropic: [Case] = [
        Case(.anthropic, "/v1/anthropic/v1/messages/"),
        Case(.anthropic, "/v1/anthropic/v1//messages"),
        Case(.anthropic, "/v1/anthropic//v1/messages"),
        Case(.anthropic, "/v1/anthropic/v1/Messages"),
        Case(.anthropic, "/v1/anthropic/V1/messages", .pipeline(.anthropicMessages, agentSegment: "V1")),
        Case(.anthropic, "/v1/anthropic/v1/messages;x"),
        Case(.anthropic, "/v1/anthropic/v1/messages%2F"),
        Case(.anthropic, "/v1/anthropic/v1/me%73sages"),
        Case(.anthropic, "/v1/anthropic/v1/messages.."),
        Case(.anthropic, "/v1/anthropic/v1/messages/batches"),
        Case(.anthropic, "/v1/anthropic/messages/batches"),
        Case(.anthropic, "/v1/anthropic/v1/v1/messages"),
        Case(.anthropic, "/v1/anthropic/v1/../messages"),
        Case(.anthropic, "/v1/anthropic/v1/messages/count_tokens/../../messages"),
        Case(.anthropic, "/v1/anthropic/v1/m\u{0435}ssages"),  // Cyrillic е
        Case(.anthropic, "/v1/anthropic/v1/messages#x"),
        Case(.anthropic, "/v1/anthropic/v1/complete"),
        Case(.anthropic, "/v1/anthropic/v1beta/messages", .pipeline(.anthropicMessages, agentSegment: "v1beta")),
        Case(.anthropic, "/v1/anthropic/messages", .pipeline(.anthropicMessages, agentSegment: nil)),
    ]

    static let gemini: [Case] = [
        Case(.gemini, "/v1/gemini/v1beta/models/a%3agenerateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a%3AgenerateContent"),
        Case(.gemini, "/v1/gemini/models/a%3agenerateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:generateContent/"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:GenerateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:generatecontent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:generateContent:x"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:b:generateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/:generateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a/b:generateContent"),
        Case(.gemini, "/v1/gemini/v1beta/tunedModels/a:generateContent"),
        Case(.gemini, "/v1/gemini/v1beta/Models/a:generateContent"),
        Case(.gemini, "/v1/gemini/v1/v1beta/models/a:generateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:generateContent#x"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:generateContent%00"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:embedContent/../b:generateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:generate\u{0421}ontent"),  // Cyrillic С
        Case(.gemini, "/v1/gemini/v1beta/models/a:streamGenerateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:streamGenerateContent?alt=json"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:streamGenerateContent?alt=SSE"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:streamGenerateContent?alt=sse&alt=json"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:streamGenerateContent?%61lt=sse"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:streamGenerateContent?alt"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:batchGenerateContent"),
        Case(.gemini, "/v1/gemini/v1beta/models/a:generateAnswer"),
        Case(.gemini, "/v1/gemini/v1beta/cachedContents"),
        Case(.gemini, "/v1/gemini/models/a:generateContent", .pipeline(.geminiGenerateContent, agentSegment: nil)),
        Case(.gemini, "/v1/gemini/v1/models/a:generateContent", .pipeline(.geminiGenerateContent, agentSegment: nil)),
        Case(.gemini, "/v1/gemini/v1beta/models/a:streamGenerateContent?alt=sse", .pipeline(.geminiGenerateContent, agentSegment: nil)),
        Case(.gemini, "/v1/gemini/x/models/a:generateContent", .pipeline(.geminiGenerateContent, agentSegment: "x")),
    ]

    /// No empty or dot segment, no percent sign, backslash, space or control character: nothing a server could
    /// normalise into another route.
    static func isCleanUpstreamPath(_ path: String) -> Bool {
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        return path.hasPrefix("/") && segments.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
            && path.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "\\") }
    }

    static func classify(_ testCase: Case, method: String = "POST", forwardUnjudged: Bool = false) -> ProxyRoute {
        RouteClassifier.classify(method: method, target: testCase.target, provider: testCase.provider, forwardUnjudged: forwardUnjudged)
    }

    @Test("A POST to a hostile spelling is refused or judged by the right pipeline", arguments: openAI + anthropic + gemini)
    func hostileSpelling(_ testCase: Case) {
        let route = Self.classify(testCase)
        switch (route, testCase.expected) {
        case (.refused(let refusal), .refused):
            #expect([400, 404].contains(refusal.status), "\(refusal)")
            #expect(!refusal.message.isEmpty)
        case (.pipeline(let pipeline), .pipeline(let endpoint, let agentSegment)):
            #expect(pipeline.endpoint == endpoint)
            #expect(pipeline.agentSegment == agentSegment)
        default:
            Issue.record("\(testCase.target.debugDescription) → \(route), expected \(testCase.expected)")
        }
    }

    @Test(
        "Forwarding unjudged routes never turns a malformed path or a pipeline route into a pass-through",
        arguments: openAI + anthropic + gemini
    )
    func optOutKeepsTheJudgedAndTheMalformed(_ testCase: Case) {
        let strict = Self.classify(testCase)
        let lenient = Self.classify(testCase, forwardUnjudged: true)
        switch strict {
        case .pipeline:
            #expect(lenient == strict)
        case .refused(let refusal) where refusal.status == 400:
            #expect(lenient == strict, "a malformed path must stay refused: \(lenient)")
        case .refused:
            // A well-formed route the gateway does not judge: the opt-out may forward it, as itself.
            if case .passThrough(let path) = lenient {
                #expect(Self.isCleanUpstreamPath(path), "\(path)")
            }
        case .passThrough:
            Issue.record("\(testCase.target.debugDescription) passes through even without the opt-out")
        }
    }

    @Test("Unknown POST routes are refused 404 with the message naming method and path")
    func unknownWriteMessage() {
        for (provider, target, path) in [
            (Provider.openai, "/v1/openai/completions?x=1", "/v1/openai/completions"),
            (.openai, "/v1/openai/threads/t/runs", "/v1/openai/threads/t/runs"),
            (.anthropic, "/v1/anthropic/v1/messages/batches", "/v1/anthropic/v1/messages/batches"),
        ] {
            let route = RouteClassifier.classify(method: "POST", target: target, provider: provider)
            #expect(route == .refused(RouteRefusal(status: 404, message: "POST \(path) is not judged by the gateway and is not forwarded")))
            for method in ["PUT", "PATCH"] {
                let other = RouteClassifier.classify(method: method, target: target, provider: provider)
                #expect(other == .refused(RouteRefusal(status: 404, message: "\(method) \(path) is not judged by the gateway and is not forwarded")))
            }
        }
    }

    @Test("Reads and deletes of pipeline paths pass through; their hostile spellings are still refused")
    func readsPassThroughCleanPathsOnly() {
        for method in ["GET", "HEAD", "DELETE", "OPTIONS"] {
            #expect(
                RouteClassifier.classify(method: method, target: "/v1/openai/chat/completions", provider: .openai)
                    == .passThrough(upstreamPath: "/chat/completions")
            )
            for testCase in Self.openAI + Self.anthropic + Self.gemini {
                guard case .passThrough(let path) = Self.classify(testCase, method: method) else { continue }
                #expect(Self.isCleanUpstreamPath(path), "\(testCase.target) → \(path)")
            }
        }
    }
}
