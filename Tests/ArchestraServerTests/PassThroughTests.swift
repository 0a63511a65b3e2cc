import ArchestraCore
import HTTPTypes
import HummingbirdTesting
import Testing

/// Everything under `/v1/openai/` that is not the pipeline goes to the provider as is, and no
/// pipeline-looking path shape slips past the pipeline.
@Suite("Pass-through", .timeLimit(.minutes(1)))
struct PassThroughTests {
    @Test("GET /v1/openai/models → GET {base}/models, query kept, reply unchanged, nothing recorded")
    func modelsPassThrough() async throws {
        let models = #"{"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"openai","x_unknown":1}]}"#
        try await withUpstreamAndGateway(environment: ["OPENAI_API_KEY": "sk-server-xyz"]) { fake, live in
            fake.enqueue(FakeReply(status: 203, headers: [("Content-Type", "application/vnd.test+json; charset=utf-8")], body: .bytes(Array(models.utf8))))
            let response = try await live.send(.get, "/v1/openai/models?limit=2&after=gpt%2D4&flag", headers: [HTTPField.Name("OpenAI-Organization")!: "org-9"])
            #expect(response.status.code == 203)
            #expect(response.headers[.contentType] == "application/vnd.test+json; charset=utf-8")
            #expect(response.bodyText == models)

            let forwarded = try #require(fake.requests.first)
            #expect(fake.requests.count == 1)
            #expect(forwarded.method == "GET")
            #expect(forwarded.pathAndQuery == "/models?limit=2&after=gpt%2D4&flag")
            // A request without a key goes out without one: the server key serves virtual keys only.
            #expect(forwarded.values("authorization") == [])
            #expect(forwarded.values("openai-organization") == ["org-9"])

            // A pipeline request afterwards is the only interaction: the pass-through recorded none.
            fake.enqueue(.json(upstreamCompletion))
            #expect(try await live.send(.post, "/v1/openai/chat/completions", body: chatBody()).status == .ok)
            let rows = try await live.waitForInteractions(count: 1)
            #expect(rows.count == 1)
            #expect(rows.first?["type"] == "openai:chatCompletions")
        }
    }

    @Test("a pass-through POST carries its body and an agent-id segment is dropped")
    func postPassThroughWithAgentSegment() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.json(#"{"id":"file-1"}"#, status: 200))
            let agentId = "6f1f9b4e-3b7a-4c55-9b1e-2f3a4b5c6d7e"
            let response = try await live.send(.post, "/v1/openai/\(agentId)/embeddings?x=1", headers: [.contentType: "application/json"], body: #"{"input":"abc","model":"m"}"#)
            #expect(response.status == .ok)
            #expect(response.bodyText == #"{"id":"file-1"}"#)
            let forwarded = try #require(fake.requests.first)
            #expect(forwarded.method == "POST")
            #expect(forwarded.pathAndQuery == "/embeddings?x=1")
            #expect(forwarded.bodyText == #"{"input":"abc","model":"m"}"#)
        }
    }

    @Test(
        "pipeline-looking paths of any other shape are refused and never forwarded",
        arguments: [
            "/v1/openai/foo/bar/chat/completions",
            "/v1/openai/../chat/completions",
            "/v1/openai/./chat/completions",
            "/v1/openai/x/../chat/completions",
            "/v1/openai/%2E%2E/chat/completions",
            "/v1/openai/chat%2Fcompletions",
            "/v1/openai/abc%2Fdef/chat/completions",
            "/v1/openai//chat/completions",
        ]
    )
    func refusedPaths(path: String) async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let response = try await live.send(.post, path, headers: [.contentType: "application/json"], body: chatBody())
            #expect([400, 404].contains(response.status.code), "\(path) → \(response.status)")
            if response.status == .badRequest {
                expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            } else {
                expectGatewayError(response, status: .notFound, type: "not_found")
            }
            #expect(fake.requests.isEmpty, "\(path) reached the provider as \(fake.requests.map(\.pathAndQuery))")
            try await expectStillServing(live)
        }
    }
    @Test(
        "pass-through paths never carry dot segments to the provider",
        arguments: ["/v1/openai/../models", "/v1/openai/files/../../admin", "/v1/openai/./models", "/v1/openai/%2E%2E/models", "/v1/openai/a/%2e%2e/%2e%2e/b"]
    )
    func passThroughDotSegments(path: String) async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.setFallback(.json("{}"))
            let response = try await live.send(.get, path)
            if fake.requests.isEmpty {
                #expect([400, 404].contains(response.status.code), "\(path) → \(response.status)")
            } else {
                // Forwarded: then only as a clean path below the base URL.
                for request in fake.requests {
                    let segments = request.pathAndQuery.split(separator: "/").map { $0.lowercased() }
                    #expect(!segments.contains { $0 == "." || $0 == ".." || $0.contains("%2e") }, "\(path) reached the provider as \(request.pathAndQuery)")
                }
            }
            try await expectStillServing(live)
        }
    }
}
