import ArchestraCore
import Foundation
import HTTPTypes
import Testing

@testable import ArchestraServer

/// Virtual keys stand where each SDK puts a provider key, name the agent, and are swapped for the server's key;
/// bad ones are refused in the vendor's own error shape; nothing reaches a provider on the server's account
/// without one.
@Suite("Virtual keys", .timeLimit(.minutes(1)))
struct VirtualKeyTests {
    static let serverKeys = ["OPENAI_API_KEY": "sk-openai-server", "ANTHROPIC_API_KEY": "sk-ant-server", "GEMINI_API_KEY": "AIza-server"]

    /// One pipeline endpoint and where its SDK puts a key.
    struct Endpoint: Sendable, CustomTestStringConvertible {
        var name: String
        var path: String
        var body: String
        var reply: String
        /// The header the key goes in (nil: the `key` query parameter).
        var keyHeader: HTTPField.Name?
        var bearer = false
        /// The server key header the provider must receive, and its value.
        var upstreamKey: (name: String, value: String)
        var vendor: Provider
        var testDescription: String { name }

        func headers(_ secret: String, extra: HTTPFields = [:]) -> HTTPFields {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let keyHeader { headers[keyHeader] = bearer ? "Bearer \(secret)" : secret }
            for field in extra { headers.append(field) }
            return headers
        }

        func uri(_ secret: String, agent: String? = nil) -> String {
            var path = self.path
            if let agent { path = path.replacingOccurrences(of: "/v1/\(vendor.rawValue)/", with: "/v1/\(vendor.rawValue)/\(agent)/") }
            return keyHeader == nil ? path + "?key=\(secret)" : path
        }
    }

    static let openAIChat = Endpoint(
        name: "OpenAI chat completions, Authorization: Bearer", path: "/v1/openai/chat/completions", body: chatBody(),
        reply: upstreamCompletion, keyHeader: .authorization, bearer: true, upstreamKey: ("authorization", "Bearer sk-openai-server"), vendor: .openai
    )

    static let endpoints: [Endpoint] = [
        openAIChat,
        Endpoint(
            name: "OpenAI responses, Authorization: Bearer", path: "/v1/openai/responses", body: #"{"model":"gpt-4o","input":"hi"}"#,
            reply: #"{"id":"resp_1","object":"response","status":"completed","model":"gpt-4o","output":[]}"#, keyHeader: .authorization, bearer: true,
            upstreamKey: ("authorization", "Bearer sk-openai-server"), vendor: .openai
        ),
        Endpoint(
            name: "Anthropic messages, x-api-key", path: "/v1/anthropic/v1/messages", body: AnthropicGeminiWire.anthropicBody,
            reply: AnthropicGeminiWire.anthropicReply, keyHeader: .xAPIKey, upstreamKey: ("x-api-key", "sk-ant-server"), vendor: .anthropic
        ),
        Endpoint(
            name: "Gemini generateContent, x-goog-api-key", path: "/v1/gemini/v1beta/models/gemini-2.5-flash:generateContent",
            body: AnthropicGeminiWire.geminiBody, reply: AnthropicGeminiWire.geminiReply, keyHeader: .xGoogAPIKey,
            upstreamKey: ("x-goog-api-key", "AIza-server"), vendor: .gemini
        ),
        Endpoint(
            name: "Gemini generateContent, ?key=", path: "/v1/gemini/v1beta/models/gemini-2.5-flash:generateContent",
            body: AnthropicGeminiWire.geminiBody, reply: AnthropicGeminiWire.geminiReply, keyHeader: nil,
            upstreamKey: ("x-goog-api-key", "AIza-server"), vendor: .gemini
        ),
    ]

    /// Issues a key for a new agent: (agent id, secret, key id).
    static func issue(_ live: LiveGateway, agent name: String = "keyed-\(UUID())", expiresAt: String? = nil) async throws -> (agent: String, secret: String, id: String) {
        let agentId = try #require(try await live.createAgent(name)["id"]?.stringValue)
        let expiry = expiresAt.map { #","expiresAt":"\#($0)""# } ?? ""
        let response = try await live.sendJSON(.post, "/api/keys", #"{"agentId":"\#(agentId)","name":"app"\#(expiry)}"#, headers: live.adminHeaders)
        #expect(response.status == .created, "\(response.bodyText)")
        let body = try response.json()
        return (agentId, try #require(body["secret"]?.stringValue), try #require(body["id"]?.stringValue))
    }

    @Test("issued once with its secret, listed without it, stored as a hash only")
    func issuing() async throws {
        try await withGateway { live in
            let (agentId, secret, id) = try await Self.issue(live)
            #expect(secret.hasPrefix("sk-arch-") && secret.count == 51)
            let listed = try await live.getJSON("/api/keys?agentId=\(agentId)").arrayValue ?? []
            try #require(listed.count == 1)
            #expect(listed[0].objectValue?.keys == ["id", "agentId", "name", "prefix", "createdAt", "lastUsedAt", "expiresAt", "revokedAt"])
            #expect(listed[0]["prefix"] == .string(String(secret.prefix(12))))
            #expect(try await live.getJSON("/api/keys/\(id)") == listed[0])
            #expect(!(try await live.send(.get, "/api/keys").bodyText.contains(secret)))
            let keyId = try #require(UUID(uuidString: id))
            let stored = try #require(try await live.gateway.store.virtualKey(id: keyId))
            #expect(stored.secretHash.count == 64 && !stored.secretHash.contains(secret.dropFirst(12)))
            // A second key differs in its secret.
            let (_, other, _) = try await Self.issue(live)
            #expect(other != secret)

            expectGatewayError(try await live.sendJSON(.post, "/api/keys", #"{"agentId":"\#(UUID())","name":"x"}"#), status: .notFound, type: "not_found")
            expectGatewayError(try await live.sendJSON(.post, "/api/keys", #"{"agentId":"\#(agentId)","name":""}"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(try await live.sendJSON(.post, "/api/keys", #"{"agentId":"\#(agentId)","name":"x","expiresAt":"2001-01-01T00:00:00.000Z"}"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(try await live.sendJSON(.post, "/api/keys", #"{"agentId":"\#(agentId)","name":"x","expiresAt":"tomorrow"}"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(try await live.send(.delete, "/api/keys/\(UUID())"), status: .notFound, type: "not_found")
        }
    }

    @Test("a virtual key names the agent and is swapped for the server's key on every endpoint", arguments: endpoints)
    func swapped(_ endpoint: Endpoint) async throws {
        try await withAnthropicGemini(environment: Self.serverKeys) { fake, live in
            fake.setFallback(.json(endpoint.reply))
            let (agentId, secret, _) = try await Self.issue(live)
            let response = try await live.send(.post, endpoint.uri(secret), headers: endpoint.headers(secret, extra: [.userAgent: "some-sdk/1.0"]), body: endpoint.body)
            #expect(response.status == .ok, "\(response.bodyText)")
            let forwarded = try #require(fake.requests.last)
            #expect(forwarded.values(endpoint.upstreamKey.name) == [endpoint.upstreamKey.value])
            #expect(!forwarded.pathAndQuery.contains("sk-arch-"), "\(forwarded.pathAndQuery)")
            #expect(!forwarded.headers.contains { $0.value.contains(secret) }, "the virtual key went upstream")
            let record = try await live.onlyInteraction()
            #expect(record["agentId"] == .string(agentId), "the key's agent, not the User-Agent's")
        }
    }

    @Test("revoked, expired, unknown and malformed keys are refused 401 in the vendor's shape, never forwarded", arguments: endpoints)
    func refused(_ endpoint: Endpoint) async throws {
        try await withAnthropicGemini(environment: Self.serverKeys) { fake, live in
            fake.setFallback(.json(endpoint.reply))
            let (_, revoked, revokedId) = try await Self.issue(live)
            #expect(try await live.send(.delete, "/api/keys/\(revokedId)").status == .ok)
            #expect(try await live.getJSON("/api/keys/\(revokedId)")["revokedAt"]?.stringValue != nil, "still listed, revoked")
            // An expired key, written straight to the store (the admin API refuses a past expiry).
            let (agentId, _, _) = try await Self.issue(live)
            let expiring = VirtualKeySecret.generate()
            try await live.gateway.store.insertVirtualKey(VirtualKey(
                id: UUID(), agentId: try #require(UUID(uuidString: agentId)), name: "old", prefix: VirtualKeySecret.prefix(of: expiring),
                secretHash: VirtualKeySecret.hash(expiring), createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                expiresAt: Date(timeIntervalSince1970: 1_700_000_060)
            ))
            live.gateway.keys.invalidate()
            let unknown = "sk-arch-" + String(repeating: "A", count: 43)
            let cases: [(String, String)] = [
                (revoked, "The virtual key has been revoked"), (unknown, "Invalid virtual key"), ("sk-arch-short", "Malformed virtual key"),
                (expiring, "The virtual key has expired"),
            ]
            for (secret, message) in cases {
                let response = try await live.send(.post, endpoint.uri(secret), headers: endpoint.headers(secret), body: endpoint.body)
                Self.expectVendorError(response, vendor: endpoint.vendor, status: 401, message: message)
            }
            #expect(fake.requests.isEmpty, "refused keys reached the provider")
            await live.gateway.log.flush()
            #expect(try await live.getJSON("/api/interactions")["pagination"]?["total"] == 0)
        }
    }

    /// The vendor's error shape: OpenAI `{"error":{"message","type"}}`, Anthropic `{"type":"error","error":{…}}`,
    /// Gemini `{"error":{"code","message","status"}}`.
    static func expectVendorError(_ response: LiveResponse, vendor: Provider, status: Int, message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status.code == status, "\(response.bodyText)", sourceLocation: sourceLocation)
        guard let body = try? response.json() else { return }
        let kinds: [Int: (openai: String, anthropic: String, gemini: String)] = [
            401: ("authentication_error", "authentication_error", "UNAUTHENTICATED"),
            403: ("permission_error", "permission_error", "PERMISSION_DENIED"),
            400: ("invalid_request_error", "invalid_request_error", "INVALID_ARGUMENT"),
            404: ("not_found", "not_found_error", "NOT_FOUND"),
        ]
        guard let kind = kinds[status] else { return }
        switch vendor {
        case .openai:
            #expect(body["error"]?["type"] == .string(kind.openai), sourceLocation: sourceLocation)
            #expect(body["error"]?["message"] == .string(message), sourceLocation: sourceLocation)
        case .anthropic:
            #expect(body["type"] == "error", sourceLocation: sourceLocation)
            #expect(body["error"]?["type"] == .string(kind.anthropic), sourceLocation: sourceLocation)
            #expect(body["error"]?["message"] == .string(message), sourceLocation: sourceLocation)
        case .gemini:
            #expect(body["error"]?["code"] == .integer(status), sourceLocation: sourceLocation)
            #expect(body["error"]?["status"] == .string(kind.gemini), sourceLocation: sourceLocation)
            #expect(body["error"]?["message"] == .string(message), sourceLocation: sourceLocation)
        }
    }

    @Test("an agent id in the URL or X-Archestra-Agent-Id other than the key's agent is 403", arguments: [openAIChat, endpoints[2], endpoints[3]])
    func otherAgent(_ endpoint: Endpoint) async throws {
        try await withAnthropicGemini(environment: Self.serverKeys) { fake, live in
            fake.setFallback(.json(endpoint.reply))
            let (agentId, secret, _) = try await Self.issue(live)
            let stranger = try #require(try await live.createAgent("stranger")["id"]?.stringValue)
            let viaURL = try await live.send(.post, endpoint.uri(secret, agent: stranger), headers: endpoint.headers(secret), body: endpoint.body)
            Self.expectVendorError(viaURL, vendor: endpoint.vendor, status: 403, message: "The virtual key belongs to another agent than \(stranger)")
            let viaHeader = try await live.send(.post, endpoint.uri(secret), headers: endpoint.headers(secret, extra: [.archestraAgentId: stranger]), body: endpoint.body)
            Self.expectVendorError(viaHeader, vendor: endpoint.vendor, status: 403, message: "The virtual key belongs to another agent than \(stranger)")
            #expect(fake.requests.isEmpty)
            // The key's own agent in the URL is fine.
            #expect(try await live.send(.post, endpoint.uri(secret, agent: agentId), headers: endpoint.headers(secret), body: endpoint.body).status == .ok)
        }
    }

    @Test("ARCHESTRA_REQUIRE_VIRTUAL_KEY=true refuses requests without one (pipeline and pass-through), in the vendor's shape", arguments: endpoints)
    func required(_ endpoint: Endpoint) async throws {
        var environment = Self.serverKeys
        environment["ARCHESTRA_REQUIRE_VIRTUAL_KEY"] = "true"
        try await withAnthropicGemini(environment: environment) { fake, live in
            fake.setFallback(.json(endpoint.reply))
            let anonymous = try await live.send(.post, endpoint.path, headers: [.contentType: "application/json"], body: endpoint.body)
            Self.expectVendorError(anonymous, vendor: endpoint.vendor, status: 401, message: "A virtual key is required (sk-arch-…)")
            let ownKey = try await live.send(.post, endpoint.uri("client-own-key"), headers: endpoint.headers("client-own-key"), body: endpoint.body)
            Self.expectVendorError(ownKey, vendor: endpoint.vendor, status: 401, message: "A virtual key is required (sk-arch-…)")
            let listing = try await live.send(.get, "/v1/\(endpoint.vendor.rawValue)/models")
            Self.expectVendorError(listing, vendor: endpoint.vendor, status: 401, message: "A virtual key is required (sk-arch-…)")
            #expect(fake.requests.isEmpty)
            let (_, secret, _) = try await Self.issue(live)
            #expect(try await live.send(.post, endpoint.uri(secret), headers: endpoint.headers(secret), body: endpoint.body).status == .ok)
        }
    }

    @Test("X-Archestra-Agent-Id picks an agent; a malformed or unknown one is refused in the vendor's shape")
    func agentHeader() async throws {
        try await withAnthropicGemini { fake, live in
            let agentId = try #require(try await live.createAgent("by-header")["id"]?.stringValue)
            fake.setFallback(.json(AnthropicGeminiWire.anthropicReply))
            let path = "/v1/anthropic/v1/messages"
            let headers: HTTPFields = [.contentType: "application/json", .xAPIKey: "sk-ant-own", .archestraAgentId: agentId]
            #expect(try await live.send(.post, path, headers: headers, body: AnthropicGeminiWire.anthropicBody).status == .ok)
            #expect(try await live.onlyInteraction()["agentId"] == .string(agentId))
            var malformed = headers
            malformed[.archestraAgentId] = "not-a-uuid"
            Self.expectVendorError(
                try await live.send(.post, path, headers: malformed, body: AnthropicGeminiWire.anthropicBody), vendor: .anthropic, status: 400,
                message: "X-Archestra-Agent-Id is not a UUID"
            )
            var unknown = headers
            let missing = UUID().lowercasedString
            unknown[.archestraAgentId] = missing
            Self.expectVendorError(
                try await live.send(.post, path, headers: unknown, body: AnthropicGeminiWire.anthropicBody), vendor: .anthropic, status: 404,
                message: "Agent with ID \(missing) not found"
            )
            #expect(fake.requests.count == 1)
        }
    }

    @Test("user and session ids are recorded, filterable, read as one conversation, and never forwarded")
    func userAndSession() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let session = "chat-\(UUID())"
            for (user, text) in [("alice", "first"), ("alice", "second"), ("bob", "third")] {
                let headers: HTTPFields = [
                    .contentType: "application/json", .archestraUserId: user, .archestraSessionId: user == "alice" ? session : "other",
                    HTTPField.Name("x-archestra-anything")!: "secret-ish",
                ]
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: chatBody(extra: #""metadata":{"t":"\#(text)"}"#)).status == .ok)
            }
            #expect(!fake.requests.contains { $0.headers.contains { $0.name.lowercased().hasPrefix("x-archestra") } })
            _ = try await live.waitForInteractions(count: 3)
            let conversation = try await live.getJSON("/api/interactions?sessionId=\(session)&sortDirection=asc")["data"]?.arrayValue ?? []
            #expect(conversation.map { $0["request"]?["metadata"]?["t"] } == ["first", "second"])
            #expect(conversation.allSatisfy { $0["userId"] == "alice" && $0["sessionId"] == .string(session) })
            #expect(try await live.getJSON("/api/interactions?userId=bob")["pagination"]?["total"] == 1)
            let bad: HTTPFields = [.contentType: "application/json", .archestraSessionId: String(repeating: "s", count: 300)]
            Self.expectVendorError(
                try await live.send(.post, "/v1/openai/chat/completions", headers: bad, body: chatBody()), vendor: .openai, status: 400,
                message: "x-archestra-session-id must be 1–256 characters without control characters"
            )
        }
    }

    @Test("the last use is written off the request path")
    func lastUse() async throws {
        // No periodic write during the test: however slowly it runs, only the explicit flush below may write.
        let dependencies = GatewayDependencies.system.with(keyUseFlushInterval: .seconds(3_600))
        try await withUpstreamAndGateway(environment: Self.serverKeys, dependencies: dependencies) { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let (_, secret, id) = try await Self.issue(live)
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.authorization: "Bearer \(secret)"], body: chatBody()).status == .ok)
            #expect(try await live.getJSON("/api/keys/\(id)")["lastUsedAt"] == .null, "no database write during the request")
            await live.gateway.keys.flushUses()
            #expect(try await live.getJSON("/api/keys/\(id)")["lastUsedAt"]?.stringValue != nil)
        }
    }

    @Test("a key revoked on one instance is refused by another at once (two instances on one PostgreSQL)")
    func revocationAcrossInstances() async throws {
        guard let url = gatewayPostgresURL else {
            try #require(ProcessInfo.processInfo.environment["ARCHESTRA_REQUIRE_POSTGRES"] == nil, "ARCHESTRA_TEST_POSTGRES_URL is not set")
            return
        }
        try await FakeUpstream.with { fake in
            fake.setFallback(.json(upstreamCompletion))
            let environment = Self.serverKeys.merging(["DATABASE_URL": url]) { _, new in new }
            try await withGateway(upstream: fake, environment: environment) { first in
                try await withGateway(upstream: fake, environment: environment) { second in
                    let (_, secret, id) = try await Self.issue(first, agent: "shared-\(UUID())")
                    let headers: HTTPFields = [.authorization: "Bearer \(secret)"]
                    #expect(try await second.send(.post, "/v1/openai/chat/completions", headers: headers, body: chatBody()).status == .ok)
                    #expect(try await first.send(.delete, "/api/keys/\(id)").status == .ok)
                    // The change reaches the other instance through the database (a notification, or the periodic
                    // check), which on a busy machine can take seconds: the bound only ends a wait for a change that
                    // never comes.
                    let refusedAt = ContinuousClock.now
                    var status = 0
                    while ContinuousClock.now - refusedAt < .seconds(30) {
                        status = try await second.send(.post, "/v1/openai/chat/completions", headers: headers, body: chatBody()).status.code
                        if status == 401 { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(status == 401, "the other instance still accepted the revoked key")
                }
            }
        }
    }
}
