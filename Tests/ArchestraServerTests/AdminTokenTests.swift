import ArchestraCore
import HTTPTypes
import HummingbirdTesting
import Testing

/// `ARCHESTRA_ADMIN_TOKEN` guards `/api/*` only.
@Suite("Admin token", .timeLimit(.minutes(1)))
struct AdminTokenTests {
    static let token = "adm-7f3c2b1a"

    @Test("/api/* without or with a wrong bearer → 401; the right token → 200")
    func guardsAdminAPI() async throws {
        try await withGateway(environment: ["ARCHESTRA_ADMIN_TOKEN": Self.token]) { live in
            let refused: [HTTPFields] = [
                [:],
                [.authorization: "Bearer wrong"],
                [.authorization: "Bearer \(Self.token)x"],
                [.authorization: "Bearer \(Self.token.dropLast())"],
                [.authorization: "Bearer "],
                [.authorization: "Basic \(Self.token)"],
                [.authorization: Self.token],
            ]
            for headers in refused {
                for (method, uri) in [(HTTPRequest.Method.get, "/api/agents"), (.get, "/api/interactions"), (.get, "/api/tools"), (.get, "/api/agents/default")] {
                    expectGatewayError(try await live.send(method, uri, headers: headers), status: .unauthorized, type: "authentication_error")
                }
                var jsonHeaders = headers
                jsonHeaders[.contentType] = "application/json"
                expectGatewayError(try await live.send(.post, "/api/agents", headers: jsonHeaders, body: #"{"name":"intruder"}"#), status: .unauthorized, type: "authentication_error")
            }

            let authorized: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            let listed = try await live.send(.get, "/api/agents", headers: authorized)
            #expect(listed.status == .ok)
            #expect(try listed.json() == [], "no request without the token created anything")
            let created = try await live.sendJSON(.post, "/api/agents", #"{"name":"insider"}"#, headers: authorized)
            #expect(created.status == .ok)
            #expect(try await live.send(.get, "/api/interactions", headers: authorized).status == .ok)
        }
    }

    @Test("/health and /v1/* need no token")
    func openRoutes() async throws {
        try await withUpstreamAndGateway(environment: ["ARCHESTRA_ADMIN_TOKEN": Self.token]) { fake, live in
            fake.enqueue(.json(upstreamCompletion), .json(#"{"object":"list","data":[]}"#))
            #expect(try await live.send(.get, "/health").status == .ok)
            let proxied = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
            #expect(proxied.status == .ok)
            #expect(proxied.bodyText == upstreamCompletion)
            #expect(try await live.send(.get, "/v1/openai/models").status == .ok)
            #expect(fake.requests.count == 2)
            // The gateway's admin token is not sent to the provider either.
            #expect(fake.requests.allSatisfy { $0.values("authorization").isEmpty })
            #expect(try await live.waitForInteractions(count: 1).count == 1)
        }
    }
}
