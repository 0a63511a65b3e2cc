import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// The admin API refuses writes a browser makes for another site, and bodies not declared JSON (which a form on
/// another site could send without a CORS preflight).
@Suite("Admin API cross-site writes", .timeLimit(.minutes(1)))
struct AdminCrossSiteTests {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// Writes of every kind: create, update, patch, delete.
    static func writes(agent: String, tool: String) -> [(HTTPRequest.Method, String, String?)] {
        [
            (.post, "/api/agents", #"{"name":"intruder"}"#),
            (.put, "/api/agents/\(agent)", #"{"name":"renamed"}"#),
            (.delete, "/api/agents/\(agent)", nil),
            (.post, "/api/keys", #"{"agentId":"\#(agent)","name":"stolen"}"#),
            (.post, "/api/tools", #"{"agentId":"\#(agent)","name":"planted"}"#),
            (.patch, "/api/tools/\(tool)", #"{"dataIsTrustedByDefault":true}"#),
            (
                .post, "/api/trusted-data-policies",
                #"{"toolId":"\#(tool)","description":"d","attributePath":"a","operator":"equal","value":"v"}"#
            ),
        ]
    }

    @Test("a write whose Origin is another site, or whose Sec-Fetch-Site is not same-origin → 403, nothing written")
    func crossSiteRefused() async throws {
        try await withGateway { live in
            let agent = try #require(try await live.createAgent("target")["id"]?.stringValue)
            let tool = try await live.declareTool(agentId: agent, name: "send_email")
            let before = try await live.adminState()
            // The test client's Host is `localhost` (no port), so that is this gateway's origin.
            let hostile: [HTTPFields] = [
                [.origin: "http://evil.example"],
                [.origin: "http://localhost.evil.example"],
                [.origin: "http://evil.example/localhost"],
                [.origin: "http://localhost:1"],
                [.origin: "null"],
                [.origin: ""],
                [Self.secFetchSite: "cross-site"],
                [Self.secFetchSite: "same-site"],
                [Self.secFetchSite: "cross-site", .origin: "http://localhost"],
            ]
            for headers in hostile {
                for (method, uri, body) in Self.writes(agent: agent, tool: tool) {
                    var fields = headers
                    fields[.contentType] = "application/json"
                    let response = try await live.send(method, uri, headers: fields, body: body)
                    expectGatewayError(response, status: .forbidden, type: "permission_error")
                    #expect(response.status == .forbidden, "\(method) \(uri) with \(headers)")
                }
            }
            #expect(try await live.adminState() == before, "no refused write changed anything")
            // Reads are not writes: another site cannot read the answer (no CORS), so they are not refused.
            #expect(
                try await live.send(
                    .get, "/api/agents", headers: [.origin: "http://evil.example", Self.secFetchSite: "cross-site"]
                ).status == .ok)
        }
    }

    @Test("same-origin browser writes and writes without Origin (curl, SDKs) work")
    func sameOriginAllowed() async throws {
        try await withGateway { live in
            let allowed: [HTTPFields] = [
                [:], [.origin: "http://localhost"], [.origin: "http://LOCALHOST"],
                [Self.secFetchSite: "same-origin", .origin: "http://localhost"],
                [Self.secFetchSite: "same-origin"], [Self.secFetchSite: "none"],
            ]
            for (index, headers) in allowed.enumerated() {
                var fields = headers
                fields[.contentType] = "application/json"
                let created = try await live.send(
                    .post, "/api/agents", headers: fields, body: #"{"name":"agent \#(index)"}"#)
                #expect(created.status == .ok, "\(headers): \(created.bodyText)")
                let id = try #require(try created.json()["id"]?.stringValue)
                #expect(
                    try await live.send(
                        .put, "/api/agents/\(id)", headers: fields, body: #"{"name":"renamed \#(index)"}"#
                    ).status == .ok)
                #expect(try await live.send(.delete, "/api/agents/\(id)", headers: headers).status == .ok)
            }
            #expect(
                try await live.getJSON("/api/agents").arrayValue?.isEmpty == true,
                "every write, delete included, went through")
        }
    }

    @Test(
        "an admin body without a JSON content type → 415, nothing written; JSON with parameters or a +json type works")
    func contentType() async throws {
        try await withGateway { live in
            let agent = try #require(try await live.createAgent("typed")["id"]?.stringValue)
            let tool = try await live.declareTool(agentId: agent, name: "send_email")
            let before = try await live.adminState()
            let refused: [String?] = [
                nil, "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/json", "application/jsonx", "application/json-patch", "json", "", "application/javascript",
            ]
            for contentType in refused {
                for (method, uri, body) in Self.writes(agent: agent, tool: tool) where body != nil {
                    var headers: HTTPFields = [:]
                    if let contentType { headers[.contentType] = contentType }
                    let response = try await live.send(method, uri, headers: headers, body: body)
                    expectGatewayError(response, status: .unsupportedMediaType, type: "invalid_request_error")
                    #expect(response.status == .unsupportedMediaType, "\(method) \(uri) as \(contentType ?? "nothing")")
                }
            }
            #expect(try await live.adminState() == before, "no refused body was written")
            for (index, contentType) in [
                "application/json", "application/json; charset=utf-8", "Application/JSON",
                "application/merge-patch+json", " application/json ; charset=UTF-8",
            ].enumerated() {
                let response = try await live.send(
                    .post, "/api/agents", headers: [.contentType: contentType], body: #"{"name":"typed \#(index)"}"#)
                #expect(response.status == .ok, "\(contentType): \(response.bodyText)")
            }
        }
    }
}
