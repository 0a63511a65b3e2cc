import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/api/dual-llm-config`: create, read, update, delete and validation.
@Suite("Dual LLM: config API", .timeLimit(.minutes(1)))
struct DualLLMConfigTests {
    static let prompts = #""mainAgentPrompt":"M {{originalUserRequest}}","quarantinedAgentPrompt":"Q {{toolResultData}}","summaryPrompt":"S {{qaText}}""#

    @Test("POST creates with defaults (disabled, 5 rounds, openai/gpt-4o); unknown fields ignored; the default stays the oldest")
    func createAndList() async throws {
        try await withGateway { live in
            let original = try await live.getJSON("/api/dual-llm-config/default")
            let created = try await live.sendJSON(.post, "/api/dual-llm-config", "{\(Self.prompts),\"x_unknown\":[1,2]}")
            #expect(created.status == .ok, "\(created.bodyText)")
            let config = try created.json()
            #expect(config["enabled"] == false)
            #expect(config["maxRounds"] == 5)
            #expect(config["provider"] == "openai")
            #expect(config["model"] == "gpt-4o")
            #expect(config["mainAgentPrompt"] == "M {{originalUserRequest}}")
            #expect(config["quarantinedAgentPrompt"] == "Q {{toolResultData}}")
            #expect(config["summaryPrompt"] == "S {{qaText}}")
            #expect(config["x_unknown"] == nil)
            let id = try #require(config["id"]?.stringValue)
            #expect(try await live.getJSON("/api/dual-llm-config/\(id)") == config)

            let full = try await live.sendJSON(
                .post, "/api/dual-llm-config",
                "{\(Self.prompts),\"enabled\":true,\"maxRounds\":50,\"provider\":\"anthropic\",\"model\":\"claude-x\"}")
            #expect(full.status == .ok, "\(full.bodyText)")
            let fullConfig = try full.json()
            #expect(fullConfig["enabled"] == true)
            #expect(fullConfig["maxRounds"] == 50)
            #expect(fullConfig["provider"] == "anthropic")
            #expect(fullConfig["model"] == "claude-x")

            #expect(try await live.getJSON("/api/dual-llm-config") == [original, config, fullConfig])
            #expect(try await live.getJSON("/api/dual-llm-config/default") == original, "the oldest config stays the default")
        }
    }

    @Test("PUT changes only the fields sent; a refused PUT changes nothing")
    func updateSubset() async throws {
        try await withGateway { live in
            let original = try await live.getJSON("/api/dual-llm-config/default")
            let id = try #require(original["id"]?.stringValue)
            let updated = try await live.sendJSON(.put, "/api/dual-llm-config/\(id)", #"{"maxRounds":1,"summaryPrompt":"S2 {{qaText}}","model":"gpt-4.1"}"#)
            #expect(updated.status == .ok)
            let config = try updated.json()
            #expect(config["maxRounds"] == 1)
            #expect(config["summaryPrompt"] == "S2 {{qaText}}")
            #expect(config["model"] == "gpt-4.1")
            for field in ["enabled", "mainAgentPrompt", "quarantinedAgentPrompt", "provider", "createdAt", "id"] {
                #expect(config[field] == original[field], "\(field)")
            }
            let refused = try await live.sendJSON(.put, "/api/dual-llm-config/\(id)", #"{"enabled":true,"maxRounds":0}"#)
            expectGatewayError(refused, status: .badRequest, type: "invalid_request_error")
            #expect(try await live.getJSON("/api/dual-llm-config/\(id)") == config)
        }
    }

    static let invalidFields: [String] = [
        #""maxRounds":0"#, #""maxRounds":51"#, #""maxRounds":-1"#, #""maxRounds":2.5"#, #""maxRounds":"5""#,
        #""maxRounds":null"#, #""maxRounds":1e3"#, #""enabled":"true""#, #""enabled":1"#, #""mainAgentPrompt":5"#,
        #""quarantinedAgentPrompt":null"#, #""summaryPrompt":["S"]"#, #""mainAgentPrompt":{"text":"M"}"#,
        #""provider":"azure""#, #""provider":"OpenAI""#, #""provider":1"#, #""model":"""#, #""model":42"#,
    ]

    @Test("PUT refuses invalid fields with 400", arguments: invalidFields)
    func putValidation(_ field: String) async throws {
        try await withGateway { live in
            let original = try await live.getJSON("/api/dual-llm-config/default")
            let id = try #require(original["id"]?.stringValue)
            expectGatewayError(try await live.sendJSON(.put, "/api/dual-llm-config/\(id)", "{\(field)}"), status: .badRequest, type: "invalid_request_error")
            #expect(try await live.getJSON("/api/dual-llm-config/\(id)") == original)
        }
    }

    @Test("POST refuses invalid and missing fields with 400")
    func postValidation() async throws {
        try await withGateway { live in
            let valid = [#""mainAgentPrompt":"M""#, #""quarantinedAgentPrompt":"Q""#, #""summaryPrompt":"S""#]
            for field in Self.invalidFields {
                // The invalid field takes the place of a valid one with the same name (no duplicate keys).
                let name = field.prefix { $0 != ":" }
                let body = valid.filter { !$0.hasPrefix(name + ":") } + [field]
                let response = try await live.sendJSON(.post, "/api/dual-llm-config", "{" + body.joined(separator: ",") + "}")
                expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            }
            for missing in valid.indices {
                var body = valid
                body.remove(at: missing)
                let response = try await live.sendJSON(.post, "/api/dual-llm-config", "{" + body.joined(separator: ",") + "}")
                expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            }
            #expect(try await live.sendJSON(.post, "/api/dual-llm-config", "{" + valid.joined(separator: ",") + "}").status == .ok)
            // The built-in default created at first start, and the one valid POST: refused ones stored nothing.
            #expect(try await live.getJSON("/api/dual-llm-config").arrayValue?.count == 2)
            for body in ["", "[]", "not json", #""text""#] {
                expectGatewayError(try await live.sendJSON(.post, "/api/dual-llm-config", body), status: .badRequest, type: "invalid_request_error")
            }
        }
    }

    @Test("unknown ids are 404, malformed ids 400; DELETE answers success, then 404; the default is recreated")
    func idsAndDelete() async throws {
        try await withGateway { live in
            let unknown = UUID().uuidString.lowercased()
            expectGatewayError(try await live.send(.get, "/api/dual-llm-config/\(unknown)"), status: .notFound, type: "not_found")
            expectGatewayError(try await live.sendJSON(.put, "/api/dual-llm-config/\(unknown)", #"{"enabled":true}"#), status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.delete, "/api/dual-llm-config/\(unknown)"), status: .notFound, type: "not_found")
            for method in [HTTPRequest.Method.get, .delete] {
                expectGatewayError(try await live.send(method, "/api/dual-llm-config/not-a-uuid"), status: .badRequest, type: "invalid_request_error")
            }
            expectGatewayError(try await live.sendJSON(.put, "/api/dual-llm-config/not-a-uuid", "{}"), status: .badRequest, type: "invalid_request_error")

            let original = try await live.getJSON("/api/dual-llm-config/default")
            let id = try #require(original["id"]?.stringValue)
            try await live.configureDualLLM(["enabled": true])
            let deleted = try await live.send(.delete, "/api/dual-llm-config/\(id)")
            #expect(deleted.status == .ok)
            #expect(try deleted.json() == ["success": true])
            expectGatewayError(try await live.send(.get, "/api/dual-llm-config/\(id)"), status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.delete, "/api/dual-llm-config/\(id)"), status: .notFound, type: "not_found")

            let recreated = try await live.getJSON("/api/dual-llm-config/default")
            #expect(recreated["id"] != original["id"])
            #expect(recreated["enabled"] == false, "a fresh default, not the deleted enabled one")
            #expect(try await live.getJSON("/api/dual-llm-config") == [recreated])
        }
    }

    @Test("the admin token guards the Dual LLM routes")
    func adminToken() async throws {
        try await withGateway(environment: ["ARCHESTRA_ADMIN_TOKEN": "s3cret"]) { live in
            for uri in ["/api/dual-llm-config/default", "/api/dual-llm-config", "/api/dual-llm-results", "/api/dual-llm-results/by-tool-call-id/x"] {
                expectGatewayError(try await live.send(.get, uri), status: .unauthorized, type: "authentication_error")
                #expect(try await live.send(.get, uri, headers: live.adminHeaders).status == .ok, "\(uri)")
            }
        }
    }
}
