import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Anthropic and Gemini pipeline routes, their upstream URLs, `alt=sse`, refused shapes and
/// validation, against a scripted provider.
@Suite("Anthropic and Gemini routes", .timeLimit(.minutes(1)))
struct AnthropicGeminiRoutingTests {
    // MARK: Anthropic routes

    @Test(
        "Anthropic pipeline routes go to {base}/messages with the query; the record names type, model and agent",
        arguments: ["/v1/anthropic/v1/messages", "/v1/anthropic/messages", "/v1/anthropic/{agentId}/v1/messages", "/v1/anthropic/{agentId}/messages"]
    )
    func anthropicRoutes(route: String) async throws {
        try await withAnthropicGemini { fake, live in
            fake.enqueue(.json(AnthropicGeminiWire.anthropicReply))
            var agentId: String?
            if route.contains("{agentId}") { agentId = try #require(try await live.createAgent("Mail bot")["id"]?.stringValue) }
            let path = route.replacingOccurrences(of: "{agentId}", with: agentId ?? "") + "?beta=true"
            let response = try await live.send(.post, path, headers: AnthropicGeminiWire.jsonHeaders, body: AnthropicGeminiWire.anthropicBody)
            #expect(response.status == .ok)
            #expect(response.bodyText == AnthropicGeminiWire.anthropicReply)
            #expect(fake.requests.map(\.pathAndQuery) == ["/v1/messages?beta=true"])
            #expect(fake.requests.first?.body == Array(AnthropicGeminiWire.anthropicBody.utf8))

            let record = try await live.onlyInteraction()
            #expect(record["type"] == "anthropic:messages")
            #expect(record["model"] == "claude-haiku-4-5")
            #expect(record["request"] == json(AnthropicGeminiWire.anthropicBody))
            #expect(record["response"] == json(AnthropicGeminiWire.anthropicReply))
            if let agentId {
                #expect(record["agentId"] == .string(agentId))
            } else {
                #expect(record["agentId"] == (try await live.getJSON("/api/agents/default"))["id"])
            }
        }
    }

    // MARK: Gemini routes

    struct GeminiRoute: Sendable, CustomTestStringConvertible {
        var agent: Bool
        var version: String?
        var stream: Bool
        var testDescription: String { "agent \(agent), version \(version ?? "none"), \(stream ? "stream" : "generate")" }

        static let all: [GeminiRoute] = [false, true].flatMap { agent in
            [nil, "v1beta", "v1"].flatMap { version in [false, true].map { GeminiRoute(agent: agent, version: version, stream: $0) } }
        }
    }

    static let geminiChunks = [
        #"{"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 2,"totalTokenCount": 2},"modelVersion": "gemini-2.5-flash","responseId": "s-1"}"#,
        #"{"candidates": [{"content": {"parts": [{"text": "lo wörld"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 2,"candidatesTokenCount": 3,"totalTokenCount": 5},"modelVersion": "gemini-2.5-flash","responseId": "s-1"}"#,
    ]

    @Test("Gemini pipeline routes go to {base}/models/{model}:action with the query; model from the URL", arguments: GeminiRoute.all)
    func geminiRoutes(_ route: GeminiRoute) async throws {
        try await withAnthropicGemini { fake, live in
            var agentId: String?
            if route.agent { agentId = try #require(try await live.createAgent("Gemini bot")["id"]?.stringValue) }
            var path = "/v1/gemini"
            if let agentId { path += "/\(agentId)" }
            if let version = route.version { path += "/\(version)" }
            path += route.stream ? "/models/gemini-2.5-flash:streamGenerateContent?alt=sse&trace=1" : "/models/gemini-2.5-flash:generateContent?trace=1"
            let wire = Self.geminiChunks.map { "data: \($0)\r\n\r\n" }.joined()
            fake.enqueue(route.stream ? .sse(Self.geminiChunks.map { .chunk("data: \($0)\r\n\r\n") }) : .json(AnthropicGeminiWire.geminiReply))

            let response = try await live.send(.post, path, headers: AnthropicGeminiWire.jsonHeaders, body: AnthropicGeminiWire.geminiBody)
            #expect(response.status == .ok)
            if route.stream {
                #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
                #expect(response.bodyText == wire)
            } else {
                #expect(response.bodyText == AnthropicGeminiWire.geminiReply)
            }
            let expectedPath = route.stream
                ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&trace=1" : "/v1beta/models/gemini-2.5-flash:generateContent?trace=1"
            #expect(fake.requests.map(\.pathAndQuery) == [expectedPath])
            #expect(fake.requests.first?.body == Array(AnthropicGeminiWire.geminiBody.utf8))

            let record = try await live.onlyInteraction()
            #expect(record["type"] == "gemini:generateContent")
            #expect(record["model"] == "gemini-2.5-flash")
            #expect(record["request"] == json(AnthropicGeminiWire.geminiBody))
            if let agentId { #expect(record["agentId"] == .string(agentId)) }
            if route.stream {
                // One GenerateContentResponse, text parts concatenated, last finishReason and usage.
                let expected = json(#"""
                    {"candidates":[{"content":{"parts":[{"text":"Hello wörld"}],"role":"model"},"index":0,"finishReason":"STOP"}],
                     "usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":3,"totalTokenCount":5},"modelVersion":"gemini-2.5-flash","responseId":"s-1"}
                    """#)
                #expect(sameJSON(record["response"], expected), "recorded \(record["response"].map { JSONWriter.string($0) } ?? "none")")
            } else {
                #expect(record["response"] == json(AnthropicGeminiWire.geminiReply))
            }
        }
    }

    @Test(
        ":streamGenerateContent without alt=sse is 400 and never forwarded",
        arguments: [
            "/v1/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent",
            "/v1/gemini/models/gemini-2.5-flash:streamGenerateContent?alt=json",
            "/v1/gemini/v1/models/gemini-2.5-flash:streamGenerateContent?key=abc&salt=sse",
        ]
    )
    func streamWithoutAltSSE(path: String) async throws {
        try await withAnthropicGemini { fake, live in
            fake.setFallback(.json(AnthropicGeminiWire.geminiReply))
            let response = try await live.send(.post, path, headers: AnthropicGeminiWire.jsonHeaders, body: AnthropicGeminiWire.geminiBody)
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            #expect(fake.requests.isEmpty)
        }
    }

    @Test(
        "other pipeline-looking shapes are 400 or 404 and never forwarded",
        arguments: [
            "/v1/anthropic/not-a-uuid/v1/messages",
            "/v1/anthropic/a/b/v1/messages",
            "/v1/anthropic/v1/v1/messages",
            "/v1/anthropic/v2/messages",
            "/v1/gemini/models/:generateContent",
            "/v1/gemini/not-a-uuid/v1beta/models/m:generateContent",
            "/v1/gemini/v1beta/models/m/extra:generateContent",
            "/v1/gemini/v1beta/tunedModels/m:generateContent",
            "/v1/gemini/v1beta/models/m:generateContent/x:streamGenerateContent",
        ]
    )
    func refusedShapes(path: String) async throws {
        try await withAnthropicGemini { fake, live in
            fake.setFallback(.json("{}"))
            let body = path.hasPrefix("/v1/anthropic") ? AnthropicGeminiWire.anthropicBody : AnthropicGeminiWire.geminiBody
            let response = try await live.send(.post, path, headers: AnthropicGeminiWire.jsonHeaders, body: body)
            #expect([400, 404].contains(response.status.code), "\(path) → \(response.status)")
            #expect(fake.requests.isEmpty, "\(path) reached the provider as \(fake.requests.map(\.pathAndQuery))")
        }
    }

    @Test("an unknown agent id is 404 `Agent with ID <id> not found`, for both providers")
    func unknownAgent() async throws {
        try await withAnthropicGemini { fake, live in
            fake.setFallback(.json("{}"))
            let id = "0b5c3f36-2f5e-4b8e-9d7a-3a1e5c9f0d11"
            for (path, body) in [("/v1/anthropic/\(id)/v1/messages", AnthropicGeminiWire.anthropicBody), ("/v1/gemini/\(id)/v1beta/models/m:generateContent", AnthropicGeminiWire.geminiBody)] {
                let response = try await live.send(.post, path, headers: AnthropicGeminiWire.jsonHeaders, body: body)
                expectGatewayError(response, status: .notFound, type: "not_found", message: "Agent with ID \(id) not found")
            }
            #expect(fake.requests.isEmpty)
        }
    }

    @Test("validation failures are 400 before anything is forwarded")
    func validation() async throws {
        try await withAnthropicGemini { fake, live in
            fake.setFallback(.json("{}"))
            for (path, body) in [
                ("/v1/anthropic/v1/messages", #"{"messages":[]}"#),
                ("/v1/anthropic/v1/messages", #"{"model":"m","messages":[],"tools":[{"description":"no name"}]}"#),
                ("/v1/anthropic/v1/messages", #"{"model":"m","messages":[],"stream":"yes"}"#),
                ("/v1/gemini/v1beta/models/m:generateContent", #"{"contents":{}}"#),
                ("/v1/gemini/v1beta/models/m:generateContent", #"{"contents":[],"tools":{}}"#),
                ("/v1/gemini/v1beta/models/m:generateContent", "not json"),
            ] {
                let response = try await live.send(.post, path, headers: AnthropicGeminiWire.jsonHeaders, body: body)
                expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            }
            #expect(fake.requests.isEmpty)
        }
    }
}
