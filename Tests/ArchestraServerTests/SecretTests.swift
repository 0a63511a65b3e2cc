import ArchestraCore
import ArchestraStore
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// Provider keys are never stored or logged: not in the record, the logs or the metrics.
@Suite("Secrets", .timeLimit(.minutes(1)))
struct SecretTests {
    static let clientKey = "sk-secret-123"
    static let serverKey = "sk-server-side-456"

    @Test("neither stored interactions nor any log line contain the keys")
    func keysNeverStoredOrLogged() async throws {
        let capture = LogCapture()
        let secrets = Mutex<[String]>([])
        try await FakeUpstream.with { fake in
            let stream = #"data: {"id":"c9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"
            // Held until the gateway gave up on it: a timeout whatever the upstream timeout, so the gateway keeps the
            // harness's, generous for the other calls.
            var slow = FakeReply.json(upstreamCompletion)
            slow.holdsHead = true
            fake.enqueue(
                .json(upstreamCompletion),
                .sse([.chunk(stream)]),
                .json(#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#, status: 401),
                .text("oops", status: 200, contentType: "text/plain"),
                slow,
                .json(upstreamCompletion),
                .json(#"{"object":"list","data":[]}"#)
            )
            try await withGateway(
                upstream: fake,
                environment: ["OPENAI_API_KEY": Self.serverKey],
                logger: capture.logger()
            ) { live in
                let withKey: HTTPFields = [.authorization: "Bearer \(Self.clientKey)", .userAgent: "secret-agent"]
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: withKey, body: chatBody()).status == .ok)
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: withKey, body: chatBody(stream: true)).status == .ok)
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: withKey, body: chatBody()).status == .unauthorized)
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: withKey, body: chatBody()).status == .badGateway)
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: withKey, body: chatBody()).status == .gatewayTimeout)
                fake.gate.release()
                // A virtual key: the server key goes out in its place.
                let agentId = try #require(try await live.createAgent("secret-holder")["id"]?.stringValue)
                let issued = try await live.sendJSON(.post, "/api/keys", #"{"agentId":"\#(agentId)","name":"ci"}"#)
                let virtualKey = try #require(try issued.json()["secret"]?.stringValue)
                secrets.withLock { $0.append(virtualKey) }
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.authorization: "Bearer \(virtualKey)"], body: chatBody()).status == .ok)
                #expect(try await live.send(.get, "/v1/openai/models", headers: withKey).status == .ok)
                // Refused requests carrying the key.
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: withKey, body: "{broken").status == .badRequest)
                #expect(try await live.send(.post, "/v1/openai/0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c/chat/completions", headers: withKey, body: chatBody()).status == .notFound)

                // The keys did reach the provider, so the checks below are not vacuous.
                let sent = fake.requests.flatMap { $0.values("authorization") }
                #expect(sent.contains("Bearer \(Self.clientKey)"))
                #expect(sent.contains("Bearer \(Self.serverKey)"))

                let records = try await live.waitForInteractions(count: 6)
                #expect(records.count == 6)
                let stored = try await live.gateway.store.listInteractions(InteractionQuery(limit: 100))
                #expect(stored.total == 6)
                #expect(!fake.requests.contains { request in request.headers.contains { $0.value.contains(virtualKey) } }, "the virtual key went upstream")
                for row in stored.rows {
                    for text in [row.requestJSON, row.responseJSON, row.evaluationJSON, row.model ?? "", row.type] {
                        #expect(!text.contains(Self.clientKey) && !text.contains(Self.serverKey) && !text.contains(virtualKey), "stored: \(text)")
                    }
                }
                for uri in ["/api/interactions?limit=100", "/api/agents", "/api/tools", "/api/keys", "/metrics"] {
                    let text = try await live.send(.get, uri).bodyText
                    #expect(!text.contains(Self.clientKey) && !text.contains(Self.serverKey) && !text.contains(virtualKey), "\(uri): \(text)")
                }
                let hashes = try await live.gateway.store.listVirtualKeys(agentId: nil)
                #expect(hashes.count == 1 && hashes[0].secretHash != virtualKey && !hashes[0].secretHash.contains(virtualKey))
            }
        }
        let lines = capture.all
        #expect(!lines.isEmpty, "the capturing logger saw nothing, so the check below would prove nothing")
        let virtualKeys = secrets.withLock { $0 }
        #expect(!virtualKeys.isEmpty)
        for line in lines {
            #expect(!line.contains(Self.clientKey) && !line.contains(Self.serverKey), "logged: \(line)")
            #expect(!line.contains("sk-secret") && !line.contains("sk-arch-"), "logged: \(line)")
        }
    }
}
