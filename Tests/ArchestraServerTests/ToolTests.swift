import ArchestraCore
import HTTPTypes
import HummingbirdTesting
import Testing

/// Tool discovery from the declarations in requests and `/api/tools`.
@Suite("Tools", .timeLimit(.minutes(1)))
struct ToolTests {
    static let tools = #"""
        "tools":[
          {"type":"function","function":{"name":"get_emails","description":"Reads the inbox","parameters":{"type":"object","properties":{"folder":{"type":"string"}},"required":["folder"]}}},
          {"type":"function","function":{"name":"send_email"}},
          {"type":"custom","custom":{"name":"run_sql","description":"Runs SQL; DROP TABLE tools; --"}},
          {"type":"function","function":{"name":"get_emails","description":"duplicate in the same request"}}
        ]
        """#

    static func agentHeaders(_ name: String) -> HTTPFields { [.userAgent: name, .contentType: "application/json"] }

    @Test("every declared tool is recorded once per agent, with parameters and description")
    func discovery() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            for _ in 0..<2 {
                #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.agentHeaders("agent-a"), body: chatBody(extra: Self.tools)).status == .ok)
            }
            let changed = #""tools":[{"type":"function","function":{"name":"send_email","description":"changed later","parameters":{"type":"object"}}}]"#
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.agentHeaders("agent-a"), body: chatBody(extra: changed)).status == .ok)
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.agentHeaders("agent-b"), body: chatBody(extra: Self.tools)).status == .ok)

            let agents = try await live.getJSON("/api/agents").arrayValue ?? []
            let agentA = try #require(agents.first { $0["name"] == "agent-a" }?["id"]?.stringValue)
            let agentB = try #require(agents.first { $0["name"] == "agent-b" }?["id"]?.stringValue)

            let all = try await live.getJSON("/api/tools").arrayValue ?? []
            #expect(all.count == 6, "tools: \(all.map { JSONWriter.string($0) })")

            let toolsA = try await live.getJSON("/api/tools?agentId=\(agentA)").arrayValue ?? []
            #expect(toolsA.map { $0["name"]?.stringValue ?? "?" }.sorted() == ["get_emails", "run_sql", "send_email"])
            for tool in toolsA {
                #expect(sameJSON(tool["agent"], ["id": .string(agentA), "name": "agent-a"]))
                #expect(tool["agentId"] == nil)
                #expect(tool["allowUsageWhenUntrustedDataIsPresent"] == false)
                #expect(tool["dataIsTrustedByDefault"] == false)
                #expect(tool["id"]?.stringValue?.count == 36)
                #expect(tool["createdAt"]?.stringValue?.hasSuffix("Z") == true)
                #expect(tool["updatedAt"]?.stringValue?.hasSuffix("Z") == true)
            }
            let emails = try #require(toolsA.first { $0["name"] == "get_emails" })
            #expect(emails["description"] == "Reads the inbox")
            #expect(sameJSON(emails["parameters"], json(#"{"type":"object","properties":{"folder":{"type":"string"}},"required":["folder"]}"#)))
            let send = try #require(toolsA.first { $0["name"] == "send_email" })
            #expect(send["description"] == .null, "an existing tool is left unchanged")
            #expect(sameJSON(send["parameters"], [:]))
            let sql = try #require(toolsA.first { $0["name"] == "run_sql" })
            #expect(sql["description"] == "Runs SQL; DROP TABLE tools; --")

            let toolsB = try await live.getJSON("/api/tools?agentId=\(agentB)").arrayValue ?? []
            #expect(toolsB.count == 3)
            #expect(toolsB.allSatisfy { $0["agent"]?["id"] == .string(agentB) })
            let idsA = Set(toolsA.compactMap { $0["id"]?.stringValue })
            let disjoint = idsA.isDisjoint(with: toolsB.compactMap { $0["id"]?.stringValue })
            #expect(disjoint, "each agent has its own tool rows")
        }
    }

    @Test("PATCH sets the two flags and ignores other fields")
    func patchFlags() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: Self.agentHeaders("patcher"), body: chatBody(extra: Self.tools)).status == .ok)
            let listed = try await live.getJSON("/api/tools").arrayValue ?? []
            let tool = try #require(listed.first { $0["name"] == "get_emails" })
            let id = try #require(tool["id"]?.stringValue)
            let agentId = try #require(tool["agent"]?["id"])

            let first = try await live.sendJSON(.patch, "/api/tools/\(id)", #"{"allowUsageWhenUntrustedDataIsPresent":true}"#)
            #expect(first.status == .ok)
            let patched = try first.json()
            #expect(patched["id"] == .string(id))
            #expect(patched["agentId"] == agentId)
            #expect(patched["name"] == "get_emails")
            #expect(patched["allowUsageWhenUntrustedDataIsPresent"] == true)
            #expect(patched["dataIsTrustedByDefault"] == false)
            #expect(patched["description"] == "Reads the inbox")
            #expect(sameJSON(patched["parameters"], tool["parameters"]))

            let second = try await live.sendJSON(.patch, "/api/tools/\(id)", #"{"dataIsTrustedByDefault":true,"name":"renamed","description":"x","allowUsageWhenUntrustedDataIsPresent":false}"#)
            #expect(second.status == .ok)
            let secondJSON = try second.json()
            #expect(secondJSON["name"] == "get_emails")
            #expect(secondJSON["description"] == "Reads the inbox")
            #expect(secondJSON["dataIsTrustedByDefault"] == true)
            #expect(secondJSON["allowUsageWhenUntrustedDataIsPresent"] == false)

            let after = try await live.getJSON("/api/tools").arrayValue ?? []
            let reread = try #require(after.first { $0["id"] == .string(id) })
            #expect(reread["dataIsTrustedByDefault"] == true)
            #expect(reread["allowUsageWhenUntrustedDataIsPresent"] == false)
            #expect(reread["name"] == "get_emails")
            // The other tools were not touched.
            #expect(after.filter { $0["id"] != .string(id) }.allSatisfy { $0["dataIsTrustedByDefault"] == false })
        }
    }

    @Test("PATCH and list refuse bad ids and bodies")
    func badRequests() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            #expect(try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(extra: Self.tools)).status == .ok)
            let id = try #require(try await live.getJSON("/api/tools").arrayValue?.first?["id"]?.stringValue)

            expectGatewayError(try await live.sendJSON(.patch, "/api/tools/not-a-uuid", #"{"dataIsTrustedByDefault":true}"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(
                try await live.sendJSON(.patch, "/api/tools/0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c", #"{"dataIsTrustedByDefault":true}"#),
                status: .notFound, type: "not_found"
            )
            expectGatewayError(try await live.sendJSON(.patch, "/api/tools/\(id)", #"{"dataIsTrustedByDefault":"yes"}"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(try await live.sendJSON(.patch, "/api/tools/\(id)", #"{"allowUsageWhenUntrustedDataIsPresent":1}"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(try await live.sendJSON(.patch, "/api/tools/\(id)", #"{"dataIsTrustedByDefault":tru"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(try await live.sendJSON(.patch, "/api/tools/\(id)", "[true]"), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(try await live.send(.get, "/api/tools?agentId=nope"), status: .badRequest, type: "invalid_request_error")
            // Nothing changed.
            let tool = try #require(try await live.getJSON("/api/tools").arrayValue?.first { $0["id"] == .string(id) })
            #expect(tool["dataIsTrustedByDefault"] == false)
            #expect(tool["allowUsageWhenUntrustedDataIsPresent"] == false)
            // An unknown (well-formed) agent filter is an empty list.
            #expect(try await live.getJSON("/api/tools?agentId=0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c") == [])
        }
    }
}
