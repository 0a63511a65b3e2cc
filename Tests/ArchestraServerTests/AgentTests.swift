import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/api/agents`.
@Suite("Agents", .timeLimit(.minutes(1)))
struct AgentTests {
    static let unknownId = "0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c"

    static func expectAgentShape(_ agent: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(agent.objectValue?.keys.sorted() == ["createdAt", "id", "isDemo", "name", "updatedAt"], sourceLocation: sourceLocation)
        let id = agent["id"]?.stringValue ?? ""
        #expect(UUID(uuidString: id) != nil && id == id.lowercased(), "id \(id)", sourceLocation: sourceLocation)
        for key in ["createdAt", "updatedAt"] {
            let text = agent[key]?.stringValue ?? ""
            #expect(text.wholeMatch(of: InteractionTests.timestampPattern) != nil, "\(key) \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test("create, read, list, update and delete")
    func crud() async throws {
        try await withGateway { live in
            let name = "Agent \"quoted\" 🤖 ' OR 1=1; --"
            let created = try await live.sendJSON(.post, "/api/agents", JSONWriter.string(["name": .string(name), "isDemo": true, "ignored": 5]))
            #expect(created.status == .ok)
            let agent = try created.json()
            Self.expectAgentShape(agent)
            #expect(agent["name"] == .string(name))
            #expect(agent["isDemo"] == true)
            let id = try #require(agent["id"]?.stringValue)

            let plain = try await live.createAgent("Plain")
            #expect(plain["isDemo"] == false)

            #expect(try await live.getJSON("/api/agents/\(id)") == agent)
            #expect(try await live.getJSON("/api/agents/\(id.uppercased())")["id"] == .string(id), "ids are case-insensitive UUIDs")
            let listed = try await live.getJSON("/api/agents").arrayValue ?? []
            #expect(listed.count == 2)
            #expect(listed.contains(agent))
            #expect(listed.contains(plain))

            let renamed = try await live.sendJSON(.put, "/api/agents/\(id)", #"{"name":"Renamed"}"#)
            #expect(renamed.status == .ok)
            let renamedJSON = try renamed.json()
            Self.expectAgentShape(renamedJSON)
            #expect(renamedJSON["name"] == "Renamed")
            #expect(renamedJSON["isDemo"] == true, "fields not sent stay")
            #expect(renamedJSON["createdAt"] == agent["createdAt"])
            let demoOff = try await live.sendJSON(.put, "/api/agents/\(id)", #"{"isDemo":false}"#)
            #expect(try demoOff.json()["isDemo"] == false)
            #expect(try demoOff.json()["name"] == "Renamed")
            #expect(try await live.getJSON("/api/agents/\(id)")["name"] == "Renamed")
            #expect(try await live.sendJSON(.put, "/api/agents/\(id)", "{}").status == .ok)

            let deleted = try await live.send(.delete, "/api/agents/\(id)")
            #expect(deleted.status == .ok)
            #expect(try deleted.json() == ["success": true])
            expectGatewayError(try await live.send(.get, "/api/agents/\(id)"), status: .notFound, type: "not_found", message: "Agent with ID \(id) not found")
            expectGatewayError(try await live.send(.delete, "/api/agents/\(id)"), status: .notFound, type: "not_found")
            #expect(try await live.getJSON("/api/agents") == [plain])
        }
    }

    @Test("GET /api/agents/default returns the `Default Agent`, creating it once")
    func defaultAgent() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let first = try await live.getJSON("/api/agents/default")
            Self.expectAgentShape(first)
            #expect(first["name"] == "Default Agent")
            #expect(first["isDemo"] == false)
            #expect(try await live.getJSON("/api/agents/default") == first)
            #expect(try await live.getJSON("/api/agents") == [first])
            // A proxied request without User-Agent lands on the same agent.
            #expect(try await live.send(.post, "/v1/openai/chat/completions", body: chatBody()).status == .ok)
            #expect(try await live.onlyInteraction()["agentId"] == first["id"])
            #expect(try await live.getJSON("/api/agents") == [first])
        }
    }

    @Test(
        "create and update validation → 400",
        arguments: [
            #"{}"#, #"{"name":""}"#, #"{"name":5}"#, #"{"name":null}"#, #"{"name":["a"]}"#, #"{"name":"ok","isDemo":"true"}"#,
            #"{"name":"ok","isDemo":1}"#, #"{"name":"ok""#, "not json", "[]", #""name""#, "",
        ]
    )
    func createValidation(body: String) async throws {
        try await withGateway { live in
            expectGatewayError(try await live.sendJSON(.post, "/api/agents", body), status: .badRequest, type: "invalid_request_error")
            #expect(try await live.getJSON("/api/agents") == [])
        }
    }

    @Test("update validation, malformed and unknown ids")
    func updateValidationAndIds() async throws {
        try await withGateway { live in
            let agent = try await live.createAgent("Keeper")
            let id = try #require(agent["id"]?.stringValue)
            for body in [#"{"name":""}"#, #"{"name":7}"#, #"{"isDemo":"no"}"#, #"{"name":"x""#, "[1]"] {
                expectGatewayError(try await live.sendJSON(.put, "/api/agents/\(id)", body), status: .badRequest, type: "invalid_request_error")
            }
            #expect(try await live.getJSON("/api/agents/\(id)") == agent, "failed updates change nothing")

            for method in [HTTPRequest.Method.get, .delete] {
                expectGatewayError(try await live.send(method, "/api/agents/not-a-uuid"), status: .badRequest, type: "invalid_request_error")
                expectGatewayError(try await live.send(method, "/api/agents/\(Self.unknownId)"), status: .notFound, type: "not_found")
            }
            expectGatewayError(try await live.sendJSON(.put, "/api/agents/not-a-uuid", #"{"name":"x"}"#), status: .badRequest, type: "invalid_request_error")
            expectGatewayError(
                try await live.sendJSON(.put, "/api/agents/\(Self.unknownId)", #"{"name":"x"}"#), status: .notFound, type: "not_found",
                message: "Agent with ID \(Self.unknownId) not found"
            )
        }
    }

    @Test("DELETE cascades to the agent's tools and interactions")
    func deleteCascades() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let doomed = try #require(try await live.createAgent("Doomed")["id"]?.stringValue)
            let survivor = try #require(try await live.createAgent("Survivor")["id"]?.stringValue)
            let tools = #""tools":[{"type":"function","function":{"name":"t1"}},{"type":"function","function":{"name":"t2"}}]"#
            for agent in [doomed, survivor] {
                #expect(try await live.send(.post, "/v1/openai/\(agent)/chat/completions", body: chatBody(extra: tools)).status == .ok)
            }
            _ = try await live.waitForInteractions(count: 2)
            let interactionOfDoomed = try #require(
                try await live.getJSON("/api/interactions?agentId=\(doomed)")["data"]?.arrayValue?.first?["id"]?.stringValue
            )
            #expect(try await live.getJSON("/api/tools?agentId=\(doomed)").arrayValue?.count == 2)

            #expect(try await live.send(.delete, "/api/agents/\(doomed)").status == .ok)

            #expect(try await live.getJSON("/api/tools?agentId=\(doomed)") == [])
            #expect(try await live.getJSON("/api/interactions?agentId=\(doomed)")["data"] == [])
            expectGatewayError(try await live.send(.get, "/api/interactions/\(interactionOfDoomed)"), status: .notFound, type: "not_found")
            #expect(try await live.getJSON("/api/tools").arrayValue?.allSatisfy { $0["agent"]?["id"] == .string(survivor) } == true)
            #expect(try await live.getJSON("/api/tools").arrayValue?.count == 2)
            #expect(try await live.getJSON("/api/interactions")["data"]?.arrayValue?.count == 1)

            // The deleted agent's route now answers 404 and the proxy forgot it.
            let gone = try await live.send(.post, "/v1/openai/\(doomed)/chat/completions", body: chatBody(extra: tools))
            expectGatewayError(gone, status: .notFound, type: "not_found", message: "Agent with ID \(doomed) not found")
        }
    }
}
