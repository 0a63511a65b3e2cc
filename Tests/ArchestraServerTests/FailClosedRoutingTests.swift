import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Fail-closed routing on the wire: no hostile spelling and no unknown write reaches a provider unjudged, unless
/// the operator opted into forwarding unjudged routes.
@Suite("Fail-closed routing", .timeLimit(.minutes(2)))
struct FailClosedRoutingTests {
    /// Request targets sent byte for byte (no client library in between to tidy them).
    static let hostileTargets = [
        "/v1/openai/chat//completions", "/v1/openai/chat/completions;x", "/v1/openai/chat/completions%20",
        "/v1/openai/chat/completions%00", "/v1/openai/chat/completions/x", "/v1/openai/%u002e%u002e/x",
        "/v1/openai/%u002e%u002e/chat/completions", "/v1/openai/Chat/Completions", "/v1/openai/chat/completions/",
        "/v1/openai/chat/../chat/completions", "/v1/openai/embeddings/../chat/completions", "/v1/openai/chat%2Fcompletions",
        #"/v1/openai/chat\completions"#, "/v1/openai/chat/complet\u{0456}ons", "/v1/openai/chat/completions#frag",
        "/v1/openai/chat/completions.", "/v1/openai/CHAT/completions", "/v1/openai/%63hat/completions",
        "/v1/anthropic/v1/messages/", "/v1/anthropic/v1//messages", "/v1/anthropic/v1/Messages", "/v1/anthropic/v1/messages;x",
        "/v1/anthropic/v1/me%73sages", "/v1/anthropic/v1/v1/messages", "/v1/anthropic/v1/messages/batches",
        "/v1/gemini/v1beta/models/a%3agenerateContent", "/v1/gemini/v1beta/models/a:generateContent/",
        "/v1/gemini/v1beta/models/a:GenerateContent", "/v1/gemini/v1beta/models/a:b:generateContent",
        "/v1/gemini/v1beta/models/:generateContent", "/v1/gemini/v1beta/models/a/b:generateContent",
        "/v1/gemini/v1beta/models/a:streamGenerateContent", "/v1/gemini/v1beta/models/a:streamGenerateContent?alt=json",
        "/v1/gemini/v1beta/models/a:generateContent%00", "/v1/gemini/v1beta/models/a:generateContent#x",
    ]

    @Test("None of the hostile spellings reaches the provider; each is answered 400 or 404")
    func hostileSpellingsNeverForwarded() async throws {
        try await withAllVendorsUpstream { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            for target in Self.hostileTargets {
                let body = target.contains("gemini") ? AnthropicGeminiWire.geminiBody : (target.contains("anthropic") ? AnthropicGeminiWire.anthropicBody : chatBody())
                let bytes = try await RawConnection.with(port: live.port) { connection in
                    try await connection.send(rawRequest("POST", target, body: body))
                    return try await connection.readUntilClosed(timeout: .seconds(30))
                }
                #expect([400, 404].contains(rawStatus(bytes)), "\(target.debugDescription) → \(String(decoding: bytes.prefix(120), as: UTF8.self))")
            }
            #expect(fake.requests.isEmpty, "reached the provider: \(fake.requests.map(\.pathAndQuery))")
            await live.gateway.log.flush()
            #expect(try await live.getJSON("/api/interactions")["data"] == [])
            try await expectStillServing(live)
        }
    }

    @Test("An absolute-form target is refused or judged, never passed through unjudged")
    func absoluteFormTarget() async throws {
        try await withAllVendorsUpstream { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let bytes = try await RawConnection.with(port: live.port) { connection in
                try await connection.send(rawRequest("POST", "http://localhost/v1/openai/chat/completions", body: chatBody()))
                return try await connection.readUntilClosed(timeout: .seconds(30))
            }
            if fake.requests.isEmpty {
                #expect([400, 404].contains(rawStatus(bytes)))
            } else {
                #expect(fake.requests.map(\.pathAndQuery) == ["/v1/chat/completions"])
                #expect(try await live.waitForInteractions(count: 1).count == 1, "forwarded, so it must have been judged")
            }
        }
    }

    static let unknownWrites: [(path: String, upstream: String)] = [
        ("/v1/openai/completions", "/v1/completions"), ("/v1/openai/batches", "/v1/batches"),
        ("/v1/openai/threads/t/runs", "/v1/threads/t/runs"), ("/v1/openai/fine_tuning/jobs", "/v1/fine_tuning/jobs"),
        ("/v1/anthropic/v1/messages/batches", "/v1/messages/batches"),
    ]

    @Test("Unknown POST routes → 404 naming method and path; nothing forwarded or recorded")
    func unknownWritesRefused() async throws {
        try await withAllVendorsUpstream { fake, live in
            fake.setFallback(.json("{}"))
            for route in Self.unknownWrites {
                let response = try await live.sendJSON(.post, route.path + "?x=1", chatBody())
                expectGatewayError(
                    response, status: .notFound, type: "not_found", message: "POST \(route.path) is not judged by the gateway and is not forwarded"
                )
            }
            #expect(fake.requests.isEmpty, "\(fake.requests.map(\.pathAndQuery))")
            await live.gateway.log.flush()
            #expect(try await live.getJSON("/api/interactions")["data"] == [])
        }
    }

    @Test("ARCHESTRA_ALLOW_UNJUDGED_ROUTES=true forwards unknown writes as they are; hostile spellings stay refused")
    func optOutForwards() async throws {
        try await withAllVendorsUpstream(environment: ["ARCHESTRA_ALLOW_UNJUDGED_ROUTES": "true"]) { fake, live in
            fake.setFallback(.json(#"{"id":"batch_1"}"#))
            for route in Self.unknownWrites where route.path != "/v1/openai/responses" {
                let response = try await live.sendJSON(.post, route.path + "?x=1", #"{"input":"abc"}"#)
                #expect(response.status == .ok, "\(route.path) → \(response.status)")
                #expect(response.bodyText == #"{"id":"batch_1"}"#)
            }
            #expect(fake.requests.map(\.pathAndQuery) == Self.unknownWrites.filter { $0.path != "/v1/openai/responses" }.map { $0.upstream + "?x=1" })
            #expect(fake.requests.allSatisfy { $0.bodyText == #"{"input":"abc"}"# && $0.method == "POST" })
            let before = fake.requests.count
            for target in ["/v1/openai/chat//completions", "/v1/openai/%63hat/completions", "/v1/openai/chat/../chat/completions"] {
                let bytes = try await RawConnection.with(port: live.port) { connection in
                    try await connection.send(rawRequest("POST", target, body: chatBody()))
                    return try await connection.readUntilClosed(timeout: .seconds(30))
                }
                #expect(rawStatus(bytes) == 400, "\(target)")
            }
            #expect(fake.requests.count == before)
        }
    }

    @Test("\"background\": true → 400 on every endpoint; not forwarded, not recorded", arguments: ScenarioProvider.allCases)
    func backgroundRefused(provider: ScenarioProvider) async throws {
        try await withAllVendorsUpstream { fake, live in
            fake.setFallback(.json(provider.reply))
            var body = provider.requestBody(stream: false)
            body.insert(contentsOf: #""background":true,"#, at: body.index(after: body.firstIndex(of: "{")!))
            let response = try await live.send(.post, provider.path(stream: false), headers: provider.requestHeaders, body: body)
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            #expect(fake.requests.isEmpty)
            await live.gateway.log.flush()
            #expect(try await live.getJSON("/api/interactions")["data"] == [])
            // background: false is an ordinary request.
            let ordinary = body.replacingOccurrences(of: #""background":true"#, with: #""background":false"#)
            #expect(try await live.send(.post, provider.path(stream: false), headers: provider.requestHeaders, body: ordinary).status == .ok)
        }
    }

    @Test("GET and DELETE pass-through forward no body, whatever the client sent")
    func readsForwardNoBody() async throws {
        try await withAllVendorsUpstream { fake, live in
            fake.setFallback(.json(#"{"object":"list","data":[]}"#))
            for (method, target) in [("GET", "/v1/openai/models"), ("DELETE", "/v1/openai/files/file-1"), ("GET", "/v1/anthropic/v1/models")] {
                let bytes = try await RawConnection.with(port: live.port) { connection in
                    try await connection.send(rawRequest(method, target, body: #"{"smuggled":"body"}"#))
                    return try await connection.readUntilClosed(timeout: .seconds(30))
                }
                #expect(rawStatus(bytes) == 200, "\(method) \(target)")
            }
            #expect(fake.requests.map(\.method) == ["GET", "DELETE", "GET"])
            #expect(fake.requests.map(\.pathAndQuery) == ["/v1/models", "/v1/files/file-1", "/v1/models"])
            for request in fake.requests {
                #expect(request.body.isEmpty, "\(request.method) \(request.pathAndQuery) carried \(request.bodyText)")
                #expect(request.header("content-length").map { $0 == "0" } ?? true)
            }
        }
    }
}
