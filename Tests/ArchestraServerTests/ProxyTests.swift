import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST /v1/openai[/{agentId}]/chat/completions` against a scripted provider: routing, keys and headers,
/// streaming and the interaction record.
@Suite("OpenAI proxy", .timeLimit(.minutes(1)))
struct ProxyTests {
    /// Unusual spacing, member order, escapes and unknown fields: forwarded byte for byte.
    static let oddlyFormattedBody =
        "{ \"messages\" : [ {\"role\":\"user\", \"content\":\"H\\u00e9llo \\\"there\\\"\"} ],\n  \"model\":\"gpt-4o\", \"temperature\": 0.70, \"x_client_extra\": {\"a\": [1, 2e3, null]} }"

    @Test("non-streaming: body, key and headers forwarded; reply returned byte for byte")
    func forwardsNonStreaming() async throws {
        try await withUpstreamAndGateway(environment: ["OPENAI_API_KEY": "sk-server-xyz"]) { fake, live in
            fake.enqueue(.json(upstreamCompletion))
            let response = try await live.send(
                .post, "/v1/openai/chat/completions",
                headers: [
                    .contentType: "application/json", .authorization: "Bearer sk-client-abc",
                    HTTPField.Name("OpenAI-Organization")!: "org-123", HTTPField.Name("X-Custom-Trace")!: "trace-7",
                    HTTPField.Name("Keep-Alive")!: "timeout=5", HTTPField.Name("Proxy-Authorization")!: "Basic Zm9vOmJhcg==",
                    HTTPField.Name("TE")!: "trailers", HTTPField.Name("Proxy-Connection")!: "keep-alive",
                    HTTPField.Name("Trailer")!: "X-Checksum", HTTPField.Name("Upgrade-Insecure-Requests")!: "1",
                ],
                body: Self.oddlyFormattedBody
            )

            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.bodyText == upstreamCompletion)

            let requests = fake.requests
            try #require(requests.count == 1)
            let forwarded = requests[0]
            #expect(forwarded.method == "POST")
            #expect(forwarded.pathAndQuery == "/chat/completions")
            #expect(forwarded.body == Array(Self.oddlyFormattedBody.utf8))
            #expect(forwarded.values("authorization") == ["Bearer sk-client-abc"])
            #expect(forwarded.values("openai-organization") == ["org-123"])
            #expect(forwarded.values("x-custom-trace") == ["trace-7"])
            #expect(forwarded.values("upgrade-insecure-requests") == ["1"])
            #expect(forwarded.values("content-type") == ["application/json"])
            for hopByHop in ["keep-alive", "proxy-authorization", "te", "proxy-connection", "trailer"] {
                #expect(forwarded.values(hopByHop).isEmpty, "\(hopByHop) must not be forwarded")
            }
            // Host and Content-Length are the gateway's own, once each, not copies of the client's.
            #expect(forwarded.host == "127.0.0.1:\(fake.port)")
            #expect(forwarded.values("host").isEmpty)
            #expect(forwarded.values("content-length") == ["\(Self.oddlyFormattedBody.utf8.count)"])
        }
    }

    @Test("with a virtual key the server-side OPENAI_API_KEY replaces it; without any key none is added; base URL may end with /")
    func addsServerKey() async throws {
        try await FakeUpstream.with { fake in
            fake.setFallback(.json(upstreamCompletion))
            try await withGateway(
                upstream: fake,
                environment: ["OPENAI_API_KEY": "sk-server-xyz", "ARCHESTRA_OPENAI_BASE_URL": fake.baseURL + "/"]
            ) { live in
                let agentId = try #require(try await live.createAgent("keyed")["id"]?.stringValue)
                let secret = try #require(try await live.sendJSON(.post, "/api/keys", #"{"agentId":"\#(agentId)","name":"app"}"#).json()["secret"]?.stringValue)
                let response = try await live.send(
                    .post, "/v1/openai/chat/completions", headers: [.contentType: "application/json", .authorization: "Bearer \(secret)"], body: chatBody()
                )
                #expect(response.status == .ok)
                let forwarded = try #require(fake.requests.first)
                #expect(forwarded.pathAndQuery == "/chat/completions")
                #expect(forwarded.values("authorization") == ["Bearer sk-server-xyz"])

                // No key at all: the operator's key is not spent on an anonymous caller.
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: chatBody()).status == .ok)
                #expect(fake.requests.last?.values("authorization") == [])
            }
        }
    }

    @Test("with neither client nor server key the request goes out without a key")
    func noKeyAtAll() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.json(#"{"error":{"message":"no key","type":"invalid_request_error"}}"#, status: 401))
            let response = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
            #expect(response.status == .unauthorized)
            #expect(response.bodyText == #"{"error":{"message":"no key","type":"invalid_request_error"}}"#)
            let forwarded = try #require(fake.requests.first)
            #expect(forwarded.values("authorization").isEmpty)
        }
    }

    @Test("streaming: SSE chunks come back byte-identical and in order; the record holds the reassembled completion")
    func streamsText() async throws {
        let chunkHead = #""object":"chat.completion.chunk","created":1760000001,"model":"gpt-4o-2024-08-06""#
        let events = [
            #"data: {"id":"chatcmpl-s1",\#(chunkHead),"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"x_unknown_chunk_field":{"kept":true}}"# + "\n\n",
            #"data: {"id":"chatcmpl-s1",\#(chunkHead),"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"# + "\n\n",
            #"data: {"id":"chatcmpl-s1",\#(chunkHead),"choices":[{"index":0,"delta":{"content":"lo, wörld"},"finish_reason":null}]}"# + "\n\n",
            #"data: {"id":"chatcmpl-s1",\#(chunkHead),"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n",
            #"data: {"id":"chatcmpl-s1",\#(chunkHead),"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"# + "\n\n",
            "data: [DONE]\n\n",
        ]
        let wire = events.joined()
        // Cut the byte stream at awkward places: mid-event, mid-line, between the two newlines.
        let cuts = [17, 200, 201, events[0].utf8.count + events[1].utf8.count - 1, wire.utf8.count - 3]
        var steps: [FakeReply.Step] = []
        var previous = 0
        let bytes = Array(wire.utf8)
        for cut in cuts + [bytes.count] {
            steps.append(.chunk(String(decoding: bytes[previous..<cut], as: UTF8.self)))
            steps.append(.pause(.milliseconds(5)))
            previous = cut
        }
        // The UTF-8 "ö" must not be split by a cut, or the fake's chunk strings would not round-trip.
        #expect(steps.compactMap { if case .chunk(let text) = $0 { text } else { nil } }.joined() == wire)
        let script = steps

        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.sse(script))
            let body = chatBody(stream: true)
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.authorization: "Bearer sk-client-abc"], body: body)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.bodyText == wire)
            #expect(response.bodyBytes == bytes)

            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 200)
            #expect(record["type"] == "openai:chatCompletions")
            #expect(sameJSON(record["request"], json(body)))
            let completion = try #require(record["response"])
            #expect(completion["id"] == "chatcmpl-s1")
            #expect(completion["object"] == "chat.completion")
            #expect(completion["created"]?.intValue == 1_760_000_001)
            #expect(completion["model"] == "gpt-4o-2024-08-06")
            let choice = try #require(completion["choices"]?.arrayValue?.first)
            #expect(completion["choices"]?.arrayValue?.count == 1)
            #expect(choice["message"]?["role"] == "assistant")
            #expect(choice["message"]?["content"] == "Hello, wörld")
            #expect(choice["message"]?["tool_calls"] == nil)
            #expect(choice["finish_reason"] == "stop")
            #expect(sameJSON(completion["usage"], json(#"{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}"#)))
        }
    }

    @Test("streaming tool calls: forwarded unchanged, reassembled with id, name and arguments")
    func streamsToolCalls() async throws {
        let head = #""id":"chatcmpl-t1","object":"chat.completion.chunk","created":1760000002,"model":"gpt-4o""#
        let events = [
            #"data: {\#(head),"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"# + "\n\n",
            #"data: {\#(head),"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}"# + "\n\n",
            #"data: {\#(head),"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null}]}"# + "\n\n",
            #"data: {\#(head),"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"# + "\n\n",
            "data: [DONE]\n\n",
        ]
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.sse(events.map { .chunk($0) }))
            let body = chatBody(stream: true, extra: #""tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]"#)
            let response = try await live.send(.post, "/v1/openai/chat/completions", body: body)
            #expect(response.status == .ok)
            #expect(response.bodyText == events.joined())

            let record = try await live.onlyInteraction()
            let message = try #require(record["response"]?["choices"]?.arrayValue?.first?["message"])
            let call = try #require(message["tool_calls"]?.arrayValue?.first)
            #expect(message["tool_calls"]?.arrayValue?.count == 1)
            #expect(call["id"] == "call_abc")
            #expect(call["type"] == "function")
            #expect(call["function"]?["name"] == "get_weather")
            #expect(call["function"]?["arguments"] == #"{"city":"Paris"}"#)
            #expect(record["response"]?["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")
        }
    }

    @Test("/v1/openai/{agentId}/chat/completions uses the agent created through the admin API")
    func agentScopedRoute() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.json(upstreamCompletion))
            let agent = try await live.createAgent("Scoped agent")
            let agentId = try #require(agent["id"]?.stringValue)
            let response = try await live.send(
                .post, "/v1/openai/\(agentId)/chat/completions", headers: [.userAgent: "ignored-ua"], body: chatBody()
            )
            #expect(response.status == .ok)
            #expect(response.bodyText == upstreamCompletion)
            #expect(fake.requests.map(\.pathAndQuery) == ["/chat/completions"])

            let record = try await live.onlyInteraction()
            #expect(record["agentId"] == .string(agentId))
            // The User-Agent did not create a default agent: the agent id in the path wins.
            let agents = try await live.getJSON("/api/agents")
            #expect(agents.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Scoped agent"])
        }
    }

    @Test("the default agent is named by User-Agent, `Default Agent` when it is missing or empty")
    func defaultAgentByUserAgent() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: "billing-bot/2.1"], body: chatBody()).status == .ok)
            #expect(try await live.send(.post, "/v1/openai/chat/completions", body: chatBody()).status == .ok)
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: ""], body: chatBody()).status == .ok)
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: "billing-bot/2.1"], body: chatBody()).status == .ok)

            let agents = try await live.getJSON("/api/agents").arrayValue ?? []
            let byName = Dictionary(grouping: agents) { $0["name"]?.stringValue ?? "?" }
            // Named after the User-Agent without its version.
            #expect(Set(byName.keys) == ["billing-bot", "Default Agent"])
            #expect(byName["billing-bot"]?.count == 1)
            #expect(byName["Default Agent"]?.count == 1)

            let billingId = try #require(byName["billing-bot"]?.first?["id"]?.stringValue)
            let defaultId = try #require(byName["Default Agent"]?.first?["id"]?.stringValue)
            #expect(try await live.waitForInteractions(count: 2, agentId: billingId).count == 2)
            #expect(try await live.waitForInteractions(count: 2, agentId: defaultId).count == 2)
            // The admin API's default agent is the same one the proxy created.
            #expect(try await live.getJSON("/api/agents/default")["id"] == .string(defaultId))
        }
    }

    @Test("20 concurrent first requests with a new User-Agent create exactly one agent")
    func concurrentFirstRequestsCreateOneAgent() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let statuses = try await withHTTPClient { client in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<20 {
                        group.addTask {
                            try await client.post(
                                "\(live.baseURL)/v1/openai/chat/completions", body: chatBody(), headers: [("User-Agent", "swarm-agent/1")]
                            ).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(statuses == Array(repeating: 200, count: 20))
            let agents = try await live.getJSON("/api/agents").arrayValue ?? []
            // Named after the User-Agent without its version.
            let swarm = agents.filter { $0["name"] == "swarm-agent" }
            #expect(agents.count == 1)
            #expect(swarm.count == 1)
            let agentId = try #require(swarm.first?["id"]?.stringValue)
            let records = try await live.waitForInteractions(count: 20)
            #expect(records.count == 20)
            #expect(records.allSatisfy { $0["agentId"] == .string(agentId) })
        }
    }
}
