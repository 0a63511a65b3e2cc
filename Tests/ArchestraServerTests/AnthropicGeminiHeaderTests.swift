import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Anthropic and Gemini keys and headers and pass-through.
@Suite("Anthropic and Gemini keys and pass-through", .timeLimit(.minutes(1)))
struct AnthropicGeminiHeaderTests {
    // MARK: Keys and headers

    struct KeyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var gemini: Bool
        var headers: [(String, String)]
        var query: String
        /// Expected header values upstream, by lowercase name ([] = absent).
        var expected: [(String, [String])]
        var testDescription: String { name }
    }

    static let keyCases: [KeyCase] = [
        KeyCase(name: "Anthropic x-api-key forwarded, server key not added", gemini: false,
                headers: [("x-api-key", "sk-ant-client"), ("anthropic-version", "2023-06-01"), ("anthropic-beta", "tools-2024-04-04")], query: "",
                expected: [("x-api-key", ["sk-ant-client"]), ("authorization", []), ("anthropic-version", ["2023-06-01"]), ("anthropic-beta", ["tools-2024-04-04"])]),
        KeyCase(name: "Anthropic Authorization forwarded, server key not added", gemini: false,
                headers: [("Authorization", "Bearer sk-ant-oauth"), ("anthropic-version", "2023-06-01")], query: "",
                expected: [("authorization", ["Bearer sk-ant-oauth"]), ("x-api-key", []), ("anthropic-version", ["2023-06-01"])]),
        KeyCase(name: "Anthropic without any key: none added (the server key serves virtual keys only)", gemini: false,
                headers: [("anthropic-version", "2023-06-01")], query: "",
                expected: [("x-api-key", []), ("authorization", []), ("anthropic-version", ["2023-06-01"])]),
        KeyCase(name: "Gemini x-goog-api-key forwarded, server key not added", gemini: true,
                headers: [("x-goog-api-key", "AIza-client"), ("x-goog-api-client", "google-genai-sdk/1.0")], query: "",
                expected: [("x-goog-api-key", ["AIza-client"]), ("x-goog-api-client", ["google-genai-sdk/1.0"])]),
        KeyCase(name: "Gemini ?key= forwarded in the query, server key not added", gemini: true,
                headers: [], query: "?key=AIza-query",
                expected: [("x-goog-api-key", [])]),
        KeyCase(name: "Gemini without any key: none added (the server key serves virtual keys only)", gemini: true,
                headers: [], query: "",
                expected: [("x-goog-api-key", [])]),
    ]

    @Test("keys and headers; no key in the record or the metrics", arguments: keyCases)
    func keys(_ row: KeyCase) async throws {
        try await withAnthropicGemini(environment: ["ANTHROPIC_API_KEY": "sk-ant-server", "GEMINI_API_KEY": "AIza-server", "OPENAI_API_KEY": "sk-openai-server"]) { fake, live in
            fake.enqueue(.json(row.gemini ? AnthropicGeminiWire.geminiReply : AnthropicGeminiWire.anthropicReply))
            var headers = AnthropicGeminiWire.jsonHeaders
            for (name, value) in row.headers { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            let path = (row.gemini ? "/v1/gemini/v1beta/models/gemini-2.5-flash:generateContent" : "/v1/anthropic/v1/messages") + row.query
            let response = try await live.send(.post, path, headers: headers, body: row.gemini ? AnthropicGeminiWire.geminiBody : AnthropicGeminiWire.anthropicBody)
            #expect(response.status == .ok)
            let forwarded = try #require(fake.requests.first)
            for (name, values) in row.expected {
                #expect(forwarded.values(name) == values, "\(name): \(forwarded.values(name))")
            }
            if row.gemini {
                #expect(forwarded.pathAndQuery == "/v1beta/models/gemini-2.5-flash:generateContent" + row.query)
            }
            // The other providers' server keys never leak into this request.
            #expect(!forwarded.headers.contains { $0.value.contains("sk-openai-server") })
            if row.gemini { #expect(forwarded.values("x-api-key").isEmpty && forwarded.values("authorization").isEmpty) }

            let record = JSONWriter.string(try await live.onlyInteraction())
            let metrics = try await live.send(.get, "/metrics").bodyText
            for secret in ["sk-ant-client", "sk-ant-oauth", "sk-ant-server", "AIza-client", "AIza-query", "AIza-server"] {
                #expect(!record.contains(secret), "the record holds \(secret)")
                #expect(!metrics.contains(secret), "the metrics hold \(secret)")
            }
        }
    }

    // MARK: Pass-through

    @Test("GET /v1/anthropic/v1/models → GET {base}/models; GET /v1/gemini/v1beta/models → GET {base}/models; nothing recorded")
    func passThrough() async throws {
        try await withAnthropicGemini(environment: ["ANTHROPIC_API_KEY": "sk-ant-server"]) { fake, live in
            let anthropicModels = #"{"data":[{"type":"model","id":"claude-sonnet-4-5","display_name":"Claude Sonnet 4.5"}],"has_more":false}"#
            let geminiModels = #"{"models":[{"name":"models/gemini-2.5-flash","supportedGenerationMethods":["generateContent"]}]}"#
            fake.enqueue(
                FakeReply(status: 200, headers: [("Content-Type", "application/json"), ("request-id", "req_1")], body: .bytes(Array(anthropicModels.utf8))),
                .json(geminiModels),
                .text("not found", status: 404, contentType: "text/plain; charset=utf-8"),
                .json(#"{"totalTokens":3}"#)
            )
            let anthropic = try await live.send(.get, "/v1/anthropic/v1/models?limit=5", headers: [HTTPField.Name("x-api-key")!: "sk-ant-client", HTTPField.Name("anthropic-version")!: "2023-06-01"])
            #expect(anthropic.status == .ok)
            #expect(anthropic.bodyText == anthropicModels)
            #expect(anthropic.headers[HTTPField.Name("request-id")!] == "req_1")
            let gemini = try await live.send(.get, "/v1/gemini/v1beta/models?pageSize=3&key=AIza-query")
            #expect(gemini.status == .ok)
            #expect(gemini.bodyText == geminiModels)
            let missing = try await live.send(.get, "/v1/anthropic/v1/models/nope")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(missing.bodyText == "not found")
            // A Gemini action other than generateContent is not the pipeline: forwarded as is.
            let count = try await live.send(.post, "/v1/gemini/v1beta/models/gemini-2.5-flash:countTokens", headers: AnthropicGeminiWire.jsonHeaders, body: AnthropicGeminiWire.geminiBody)
            #expect(count.status == .ok)
            #expect(count.bodyText == #"{"totalTokens":3}"#)

            let requests = fake.requests
            #expect(requests.map(\.method) == ["GET", "GET", "GET", "POST"])
            #expect(requests.map(\.pathAndQuery) == [
                "/v1/models?limit=5", "/v1beta/models?pageSize=3&key=AIza-query", "/v1/models/nope",
                "/v1beta/models/gemini-2.5-flash:countTokens",
            ])
            #expect(requests[0].values("x-api-key") == ["sk-ant-client"])
            #expect(requests[0].values("anthropic-version") == ["2023-06-01"])
            #expect(requests[1].values("x-goog-api-key").isEmpty)
            // No key sent, none added: the server key serves virtual keys only.
            #expect(requests[2].values("x-api-key") == [])
            #expect(requests[3].body == Array(AnthropicGeminiWire.geminiBody.utf8))

            await live.gateway.log.flush()
            let page = try await live.getJSON("/api/interactions")
            #expect(page["pagination"]?["total"] == 0)
        }
    }
}
