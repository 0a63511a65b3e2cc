import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Interaction records and `/api/interactions`.
@Suite("Interactions", .timeLimit(.minutes(1)))
struct InteractionTests {
    static var timestampPattern: Regex<Substring> { #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/# }

    static func date(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    @Test("a record holds agent, type, the request as sent, the response, model, status, duration and arrival time")
    func recordFields() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.json(upstreamCompletion))
            let body = #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi","x_msg":1.50}],"temperature":0.70,"x_top":[2e3,true,null]}"#
            let before = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: "recorder"], body: body)
            let after = Date()
            #expect(response.status == .ok)

            let record = try await live.onlyInteraction()
            let agentId = try #require(try await live.getJSON("/api/agents").arrayValue?.first { $0["name"] == "recorder" }?["id"])
            let id = try #require(record["id"]?.stringValue)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased())
            #expect(record["agentId"] == agentId)
            #expect(record["type"] == "openai:chatCompletions")
            // Exactly as sent: member order and number spelling kept.
            #expect(record["request"] == json(body))
            #expect(record["response"] == json(upstreamCompletion))
            #expect(record["model"] == "gpt-4o")
            #expect(record["statusCode"] == 200)
            let duration = try #require(record["durationMs"]?.doubleValue)
            #expect(duration >= 0)
            let createdAt = try #require(record["createdAt"]?.stringValue)
            #expect(createdAt.wholeMatch(of: Self.timestampPattern) != nil, "createdAt \(createdAt)")
            let created = try #require(Self.date(record["createdAt"]))
            #expect(created >= before && created <= after, "createdAt \(createdAt) not between request start and end")
            #expect(record["evaluation"]?.objectValue != nil)

            let single = try await live.getJSON("/api/interactions/\(id)")
            #expect(single == record)
        }
    }

    /// Seven interactions: five for agent A with models in scrambled order, two for agent B.
    static func seed(_ live: LiveGateway) async throws -> (agentA: String, agentB: String) {
        for model in ["m-c", "m-a", "m-e", "m-b", "m-d"] {
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: "agent-a"], body: chatBody(model: model)).status == .ok)
        }
        for model in ["m-z", "m-y"] {
            #expect(try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: "agent-b"], body: chatBody(model: model)).status == .ok)
        }
        _ = try await live.waitForInteractions(count: 7)
        let agents = try await live.getJSON("/api/agents").arrayValue ?? []
        let agentA = try #require(agents.first { $0["name"] == "agent-a" }?["id"]?.stringValue)
        let agentB = try #require(agents.first { $0["name"] == "agent-b" }?["id"]?.stringValue)
        return (agentA, agentB)
    }

    static func pagination(_ page: JSONValue) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in page["pagination"]?.objectValue?.members ?? [] { result[key] = value }
        return result
    }

    @Test("list: agentId filter, limit/offset and the pagination fields")
    func listPagination() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let (agentA, agentB) = try await Self.seed(live)

            let everything = try await live.getJSON("/api/interactions")
            #expect(everything["data"]?.arrayValue?.count == 7)
            #expect(Self.pagination(everything) == ["currentPage": 1, "limit": 20, "total": 7, "totalPages": 1, "hasNext": false, "hasPrev": false])

            let onlyA = try await live.getJSON("/api/interactions?agentId=\(agentA)")
            #expect(onlyA["data"]?.arrayValue?.count == 5)
            #expect(onlyA["data"]?.arrayValue?.allSatisfy { $0["agentId"] == .string(agentA) } == true)
            #expect(Self.pagination(onlyA)["total"] == 5)
            let onlyB = try await live.getJSON("/api/interactions?agentId=\(agentB)")
            #expect(onlyB["data"]?.arrayValue?.compactMap { $0["model"]?.stringValue }.sorted() == ["m-y", "m-z"])

            let first = try await live.getJSON("/api/interactions?limit=2&offset=0")
            #expect(first["data"]?.arrayValue?.count == 2)
            #expect(Self.pagination(first) == ["currentPage": 1, "limit": 2, "total": 7, "totalPages": 4, "hasNext": true, "hasPrev": false])

            let middle = try await live.getJSON("/api/interactions?limit=2&offset=3")
            #expect(middle["data"]?.arrayValue?.count == 2)
            #expect(Self.pagination(middle) == ["currentPage": 2, "limit": 2, "total": 7, "totalPages": 4, "hasNext": true, "hasPrev": true])

            let last = try await live.getJSON("/api/interactions?limit=2&offset=6")
            #expect(last["data"]?.arrayValue?.count == 1)
            #expect(Self.pagination(last) == ["currentPage": 4, "limit": 2, "total": 7, "totalPages": 4, "hasNext": false, "hasPrev": true])

            let beyond = try await live.getJSON("/api/interactions?limit=3&offset=30")
            #expect(beyond["data"] == [])
            #expect(Self.pagination(beyond) == ["currentPage": 11, "limit": 3, "total": 7, "totalPages": 3, "hasNext": false, "hasPrev": true])

            // Pages do not overlap and together hold every record.
            var ids: [String] = []
            for offset in stride(from: 0, to: 7, by: 3) {
                let page = try await live.getJSON("/api/interactions?limit=3&offset=\(offset)&sortBy=model&sortDirection=asc")
                ids += page["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            #expect(ids.count == 7 && Set(ids).count == 7)

            let none = try await live.getJSON("/api/interactions?agentId=0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c")
            #expect(none["data"] == [])
            #expect(Self.pagination(none) == ["currentPage": 1, "limit": 20, "total": 0, "totalPages": 0, "hasNext": false, "hasPrev": false])
        }
    }

    @Test("list: sortBy and sortDirection")
    func listSorting() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let (agentA, _) = try await Self.seed(live)
            func models(_ query: String) async throws -> [String] {
                try await live.getJSON("/api/interactions?\(query)")["data"]?.arrayValue?.compactMap { $0["model"]?.stringValue } ?? []
            }
            #expect(try await models("sortBy=model&sortDirection=asc") == ["m-a", "m-b", "m-c", "m-d", "m-e", "m-y", "m-z"])
            #expect(try await models("sortBy=model&sortDirection=desc") == ["m-z", "m-y", "m-e", "m-d", "m-c", "m-b", "m-a"])
            #expect(try await models("sortBy=model") == ["m-z", "m-y", "m-e", "m-d", "m-c", "m-b", "m-a"], "sortDirection defaults to desc")
            #expect(try await models("agentId=\(agentA)&sortBy=model&sortDirection=asc&limit=2&offset=2") == ["m-c", "m-d"])

            let byAgent = try await live.getJSON("/api/interactions?sortBy=agentId&sortDirection=asc")["data"]?.arrayValue ?? []
            let agentIds = byAgent.compactMap { $0["agentId"]?.stringValue }
            #expect(agentIds.count == 7 && agentIds == agentIds.sorted())

            for (query, ascending) in [("sortBy=createdAt&sortDirection=asc", true), ("", false), ("sortDirection=desc", false)] {
                let rows = try await live.getJSON("/api/interactions?\(query)")["data"]?.arrayValue ?? []
                let dates = rows.compactMap { Self.date($0["createdAt"]) }
                #expect(dates.count == 7)
                #expect(dates == (ascending ? dates.sorted() : dates.sorted(by: >)), "\(query)")
            }
            // Requests were sent one after another: a record that arrived strictly later was sent later.
            let sendOrder = ["m-c", "m-a", "m-e", "m-b", "m-d", "m-z", "m-y"]
            let rows = try await live.getJSON("/api/interactions?sortBy=createdAt&sortDirection=asc")["data"]?.arrayValue ?? []
            for (i, earlier) in rows.enumerated() {
                for later in rows[(i + 1)...] {
                    guard let d1 = Self.date(earlier["createdAt"]), let d2 = Self.date(later["createdAt"]), d1 < d2,
                        let m1 = earlier["model"]?.stringValue, let m2 = later["model"]?.stringValue
                    else { continue }
                    #expect(sendOrder.firstIndex(of: m1)! < sendOrder.firstIndex(of: m2)!, "\(m1) listed before \(m2)")
                }
            }
        }
    }

    @Test(
        "list: invalid query values are 400",
        arguments: [
            "limit=0", "limit=101", "limit=abc", "limit=-5", "limit=2.5", "offset=-1", "offset=x", "sortBy=name", "sortBy=",
            "sortDirection=up", "sortDirection=ASC", "agentId=not-a-uuid",
        ]
    )
    func invalidQueries(query: String) async throws {
        try await withGateway { live in
            expectGatewayError(try await live.send(.get, "/api/interactions?\(query)"), status: .badRequest, type: "invalid_request_error")
        }
    }

    @Test("get by id: unknown → 404, malformed → 400")
    func getById() async throws {
        try await withGateway { live in
            expectGatewayError(
                try await live.send(.get, "/api/interactions/0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c"), status: .notFound, type: "not_found"
            )
            expectGatewayError(try await live.send(.get, "/api/interactions/12345"), status: .badRequest, type: "invalid_request_error")
        }
    }
}
