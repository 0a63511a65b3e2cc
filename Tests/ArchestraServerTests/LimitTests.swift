import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// Usage limits end to end: `/api/limits`, and the 429 a request over a limit gets in its provider's own shape
/// before any provider call, recorded and counted.
@Suite("Usage limits", .timeLimit(.minutes(2)))
struct LimitTests {
    @Test("Limits are created, listed (by agent too), read, changed in value only, and deleted")
    func crud() async throws {
        try await withGateway { live in
            let agent = try #require(try await live.createAgent("limited")["id"]?.stringValue)
            let global = try await live.sendJSON(.post, "/api/limits", #"{"kind":"cost_usd_per_month","value":250.5}"#)
            #expect(global.status == .created, "\(global.bodyText)")
            let globalLimit = try global.json()
            #expect(globalLimit.objectValue?.keys == ["id", "agentId", "kind", "value", "createdAt", "updatedAt"])
            #expect(globalLimit["agentId"] == .null && globalLimit["value"] == .number("250.5"))
            let own = try await live.sendJSON(.post, "/api/limits", #"{"agentId":"\#(agent)","kind":"requests_per_minute","value":60}"#)
            #expect(own.status == .created, "\(own.bodyText)")
            let ownLimit = try own.json()
            #expect(ownLimit["agentId"] == .string(agent) && ownLimit["value"] == 60)
            let ownId = try #require(ownLimit["id"]?.stringValue)

            #expect(try await live.getJSON("/api/limits").arrayValue == [globalLimit, ownLimit])
            #expect(try await live.getJSON("/api/limits?agentId=\(agent)").arrayValue == [ownLimit])
            #expect(try await live.getJSON("/api/limits/\(ownId)") == ownLimit)

            let changed = try await live.sendJSON(.put, "/api/limits/\(ownId)", #"{"value":120}"#)
            #expect(changed.status == .ok)
            #expect(try changed.json()["value"] == 120 && changed.json()["createdAt"] == ownLimit["createdAt"])
            let rekind = try await live.sendJSON(.put, "/api/limits/\(ownId)", #"{"kind":"tokens_per_day"}"#)
            expectGatewayError(rekind, status: .badRequest, type: "invalid_request_error")
            let moved = try await live.sendJSON(.put, "/api/limits/\(ownId)", #"{"agentId":null}"#)
            expectGatewayError(moved, status: .badRequest, type: "invalid_request_error")

            let again = try await live.sendJSON(.post, "/api/limits", #"{"agentId":"\#(agent)","kind":"requests_per_minute","value":5}"#)
            expectGatewayError(again, status: .badRequest, type: "invalid_request_error")
            #expect(again.bodyText.contains(ownId), "the duplicate names the limit to change: \(again.bodyText)")

            #expect(try await live.send(.delete, "/api/limits/\(ownId)").status == .ok)
            expectGatewayError(try await live.send(.get, "/api/limits/\(ownId)"), status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.delete, "/api/limits/\(ownId)"), status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.get, "/api/limits/nope"), status: .badRequest, type: "invalid_request_error")
            let unknownAgent = try await live.sendJSON(.post, "/api/limits", #"{"agentId":"\#(UUID().uuidString)","kind":"tokens_per_day","value":5}"#)
            expectGatewayError(unknownAgent, status: .notFound, type: "not_found")
        }
    }

    static let invalidBodies: [(String, String)] = [
        (#"{"value":5}"#, "'kind' is required"),
        (#"{"kind":"requests_per_minute"}"#, "'value' is required"),
        (#"{"kind":"requests_per_hour","value":5}"#, "'kind' must be one of"),
        (#"{"kind":"requests_per_minute","value":"5"}"#, "'value' must be a number"),
        (#"{"kind":"requests_per_minute","value":0}"#, "must be a positive number"),
        (#"{"kind":"tokens_per_day","value":-10}"#, "must be a positive number"),
        (#"{"kind":"tokens_per_day","value":10.5}"#, "must be a whole number"),
        (#"{"kind":"cost_usd_per_day","value":1e300}"#, "must be at most"),
        (#"{"kind":"cost_usd_per_day","value":5,"agentId":"abc"}"#, "'agentId' must be a UUID"),
        (#"[1]"#, "JSON object"),
    ]

    @Test("Invalid limits are refused with 400 and a message naming the field", arguments: invalidBodies)
    func invalid(body: String, message: String) async throws {
        try await withGateway { live in
            let response = try await live.sendJSON(.post, "/api/limits", body)
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            #expect(response.bodyText.contains(message), "\(response.bodyText)")
            #expect(try await live.getJSON("/api/limits").arrayValue == [])
        }
    }

    /// One provider route and what its 429 must look like.
    struct Route: Sendable, CustomTestStringConvertible {
        var name: String
        var path: @Sendable (String) -> String
        var headers: HTTPFields
        var body: String
        var reply: FakeReply
        var expectError: @Sendable (JSONValue) -> Bool
        var testDescription: String { name }
    }

    static let routes: [Route] = [
        Route(
            name: "OpenAI chat", path: { "/v1/openai/\($0)/chat/completions" }, headers: UsageTests.openAIKey, body: chatBody(),
            reply: .json(UsageTests.chatCompletion),
            expectError: { $0["error"]?["type"] == "rate_limit_error" && $0["error"]?["code"] == "archestra_limit_exceeded" }
        ),
        Route(
            name: "OpenAI responses", path: { "/v1/openai/\($0)/responses" }, headers: UsageTests.openAIKey,
            body: #"{"model":"o4-mini","input":"Hello"}"#, reply: .json(UsageTests.responsesReply),
            expectError: { $0["error"]?["type"] == "rate_limit_error" && $0["error"]?["code"] == "archestra_limit_exceeded" }
        ),
        Route(
            name: "Anthropic messages", path: { "/v1/anthropic/\($0)/v1/messages" }, headers: UsageTests.anthropicKey,
            body: #"{"model":"claude-sonnet-4-5",\#(UsageTests.anthropicBody.dropFirst())"#, reply: .json(UsageTests.anthropicReply),
            expectError: { $0["type"] == "error" && $0["error"]?["type"] == "rate_limit_error" }
        ),
        Route(
            name: "Gemini generateContent", path: { "/v1/gemini/\($0)/v1beta/models/gemini-2.5-flash:generateContent" },
            headers: UsageTests.geminiKey, body: UsageTests.geminiBody, reply: .json(UsageTests.geminiReply),
            expectError: { $0["error"]?["code"] == 429 && $0["error"]?["status"] == "RESOURCE_EXHAUSTED" }
        ),
    ]

    @Test("Over its requests-per-minute limit, an agent gets a 429 in its provider's shape with Retry-After, recorded and counted; no provider call is made", arguments: routes)
    func requestsPerMinute(route: Route) async throws {
        try await FakeUpstream.with { fake in
            try await withGateway(upstream: fake, environment: UsageTests.environment(fake), clock: StoppedMinuteClock()) { live in
                let agent = try #require(try await live.createAgent("rpm")["id"]?.stringValue)
                let other = try #require(try await live.createAgent("free")["id"]?.stringValue)
                let created = try await live.sendJSON(.post, "/api/limits", #"{"agentId":"\#(agent)","kind":"requests_per_minute","value":2}"#)
                let limitId = try #require(try created.json()["id"]?.stringValue)
                fake.setFallback(route.reply)
                for _ in 0..<2 {
                    let passed = try await live.send(.post, route.path(agent), headers: route.headers, body: route.body)
                    #expect(passed.status == .ok, "\(passed.bodyText)")
                }
                let callsBefore = fake.requests.count
                let refused = try await live.send(.post, route.path(agent), headers: route.headers, body: route.body)
                #expect(refused.status == .tooManyRequests)
                let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) }, "no Retry-After")
                #expect((1...60).contains(retryAfter))
                let error = try refused.json()
                #expect(route.expectError(error), "\(refused.bodyText)")
                #expect(refused.bodyText.contains("2 requests per minute") && refused.bodyText.contains(limitId), "\(refused.bodyText)")
                #expect(fake.requests.count == callsBefore, "a refused request must not reach the provider")
                // Another agent is not limited.
                #expect(try await live.send(.post, route.path(other), headers: route.headers, body: route.body).status == .ok)

                let rows = try await live.waitForInteractions(count: 3, agentId: agent)
                let refusedRow = try #require(rows.first { $0["statusCode"] == 429 })
                #expect(sameJSON(refusedRow["response"], error))
                let metrics = try await live.send(.get, "/metrics").bodyText
                #expect(metrics.contains(#"archestra_limit_rejections_total{agent_id="\#(agent)",kind="requests_per_minute"} 1"#))
            }
        }
    }

    @Test("A token budget and a cost budget refuse the requests after the one that used them up; deleting the limit lets requests through again")
    func budgets() async throws {
        try await FakeUpstream.with { fake in
            try await withGateway(upstream: fake, environment: UsageTests.environment(fake), clock: StoppedMinuteClock()) { live in
                fake.setFallback(.json(UsageTests.chatCompletion))  // 2306 tokens, $0.005615
                let tokens = try #require(try await live.createAgent("tokens")["id"]?.stringValue)
                let dollars = try #require(try await live.createAgent("dollars")["id"]?.stringValue)
                #expect(try await live.sendJSON(.post, "/api/limits", #"{"agentId":"\#(tokens)","kind":"tokens_per_day","value":4000}"#).status == .created)
                let cost = try await live.sendJSON(.post, "/api/limits", #"{"agentId":"\#(dollars)","kind":"cost_usd_per_day","value":0.01}"#)
                let costId = try #require(try cost.json()["id"]?.stringValue)
                for agent in [tokens, dollars] {
                    // Two calls fit (the budget is not used up after the first), the third does not.
                    for _ in 0..<2 {
                        #expect(try await live.sendJSON(.post, "/v1/openai/\(agent)/chat/completions", chatBody()).status == .ok)
                    }
                    let refused = try await live.sendJSON(.post, "/v1/openai/\(agent)/chat/completions", chatBody())
                    #expect(refused.status == .tooManyRequests, "\(refused.bodyText)")
                    let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
                    #expect(retryAfter >= 1 && retryAfter <= 86_400)
                }
                let metrics = try await live.send(.get, "/metrics").bodyText
                #expect(metrics.contains(#"archestra_limit_rejections_total{agent_id="\#(tokens)",kind="tokens_per_day"} 1"#))
                #expect(metrics.contains(#"archestra_limit_rejections_total{agent_id="\#(dollars)",kind="cost_usd_per_day"} 1"#))

                #expect(try await live.send(.delete, "/api/limits/\(costId)").status == .ok)
                #expect(try await live.sendJSON(.post, "/v1/openai/\(dollars)/chat/completions", chatBody()).status == .ok)
            }
        }
    }

    @Test("A global limit counts every agent together, streams included")
    func globalLimit() async throws {
        try await FakeUpstream.with { fake in
            try await withGateway(upstream: fake, environment: UsageTests.environment(fake), clock: StoppedMinuteClock()) { live in
                fake.setFallback(.json(UsageTests.chatCompletion))
                #expect(try await live.sendJSON(.post, "/api/limits", #"{"kind":"requests_per_minute","value":3}"#).status == .created)
                for agent in ["one", "two", "three"] {
                    let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.userAgent: agent, .contentType: "application/json"], body: chatBody())
                    #expect(response.status == .ok)
                }
                let refused = try await live.send(
                    .post, "/v1/openai/chat/completions", headers: [.userAgent: "four", .contentType: "application/json"],
                    body: chatBody(stream: true)
                )
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.contentType] == "application/json")
                #expect(refused.bodyText.contains("global limit of 3 requests per minute"), "\(refused.bodyText)")
            }
        }
    }
}
