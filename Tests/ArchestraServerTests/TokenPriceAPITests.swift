import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// `/api/token-prices` and the parameters of `/api/usage`.
@Suite("Token prices and usage API")
struct TokenPriceAPITests {
    @Test("Built-in prices are listed with their source; an operator's price takes a built-in model's id and deleting it restores it")
    func builtInsAndOverrides() async throws {
        try await withGateway { live in
            let listed = try await live.getJSON("/api/token-prices").arrayValue ?? []
            #expect(listed.count == BuiltInTokenPrices.all.count)
            let gpt4o = try #require(listed.first { $0["model"] == "gpt-4o" })
            #expect(gpt4o["builtIn"] == true && gpt4o["inputPerMillion"] == .number("2.5") && gpt4o["cachedInputPerMillion"] == .number("1.25"))
            #expect(gpt4o["outputPerMillion"] == 10)
            #expect(gpt4o["source"]?.stringValue?.contains("as published by the provider") == true)
            #expect(gpt4o.objectValue?.keys == [
                "id", "model", "inputPerMillion", "cachedInputPerMillion", "outputPerMillion", "builtIn", "source", "createdAt", "updatedAt",
            ])
            let builtInId = try #require(gpt4o["id"]?.stringValue)
            #expect(try await live.getJSON("/api/token-prices/\(builtInId)") == gpt4o)

            let created = try await live.sendJSON(
                .post, "/api/token-prices", #"{"model":"gpt-4o","inputPerMillion":2,"cachedInputPerMillion":0.5,"outputPerMillion":8,"source":"our contract"}"#
            )
            #expect(created.status == .created)
            let override = try created.json()
            #expect(override["id"] == .string(builtInId) && override["builtIn"] == false && override["source"] == "our contract")
            #expect(override["inputPerMillion"] == 2 && override["cachedInputPerMillion"] == .number("0.5"))
            let afterCreate = try await live.getJSON("/api/token-prices").arrayValue ?? []
            #expect(afterCreate.count == BuiltInTokenPrices.all.count, "one entry per model")
            #expect(afterCreate.first { $0["model"] == "gpt-4o" } == override)

            // POST again for the same model changes that price; PUT changes a subset; null clears the cached price.
            let again = try await live.sendJSON(.post, "/api/token-prices", #"{"model":"gpt-4o","inputPerMillion":3,"outputPerMillion":9}"#)
            #expect(again.status == .created)
            #expect(try again.json()["id"] == .string(builtInId))
            #expect(try again.json()["createdAt"] == override["createdAt"])
            let put = try await live.sendJSON(.put, "/api/token-prices/\(builtInId)", #"{"outputPerMillion":12.5,"cachedInputPerMillion":null}"#)
            #expect(put.status == .ok)
            #expect(try put.json()["outputPerMillion"] == .number("12.5") && put.json()["inputPerMillion"] == 3)
            #expect(try put.json()["cachedInputPerMillion"] == .null)

            #expect(try await live.send(.delete, "/api/token-prices/\(builtInId)").status == .ok)
            #expect(try await live.getJSON("/api/token-prices/\(builtInId)") == gpt4o)
            let deleteBuiltIn = try await live.send(.delete, "/api/token-prices/\(builtInId)")
            expectGatewayError(deleteBuiltIn, status: .badRequest, type: "invalid_request_error")

            // A PUT on a built-in price stores the operator's price in its place.
            let putBuiltIn = try await live.sendJSON(.put, "/api/token-prices/\(builtInId)", #"{"inputPerMillion":2.25}"#)
            #expect(putBuiltIn.status == .ok)
            #expect(try putBuiltIn.json()["builtIn"] == false && putBuiltIn.json()["outputPerMillion"] == 10)
        }
    }

    @Test("A new model is added, found, changed and deleted")
    func newModel() async throws {
        try await withGateway { live in
            let created = try await live.sendJSON(.post, "/api/token-prices", #"{"model":"acme-large","inputPerMillion":0,"outputPerMillion":0.001}"#)
            #expect(created.status == .created)
            let price = try created.json()
            let id = try #require(price["id"]?.stringValue)
            #expect(price["cachedInputPerMillion"] == .null && price["source"] == .null && price["builtIn"] == false)
            #expect(try await live.getJSON("/api/token-prices/\(id)") == price)
            let renamed = try await live.sendJSON(.put, "/api/token-prices/\(id)", #"{"model":"acme-xl"}"#)
            #expect(try renamed.json()["model"] == "acme-xl")
            let clash = try await live.sendJSON(.put, "/api/token-prices/\(id)", #"{"model":"gpt-4o-mini"}"#)
            expectGatewayError(clash, status: .badRequest, type: "invalid_request_error")
            #expect(try await live.send(.delete, "/api/token-prices/\(id)").status == .ok)
            expectGatewayError(try await live.send(.get, "/api/token-prices/\(id)"), status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.delete, "/api/token-prices/\(id)"), status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.get, "/api/token-prices/not-a-uuid"), status: .badRequest, type: "invalid_request_error")
        }
    }

    static let invalidBodies: [(String, String)] = [
        (#"{"inputPerMillion":1,"outputPerMillion":1}"#, "'model' is required"),
        (#"{"model":"m","outputPerMillion":1}"#, "'inputPerMillion' is required"),
        (#"{"model":"m","inputPerMillion":1}"#, "'outputPerMillion' is required"),
        (#"{"model":"m","inputPerMillion":-1,"outputPerMillion":1}"#, "'inputPerMillion' must be a finite number, zero or more"),
        (#"{"model":"m","inputPerMillion":1,"outputPerMillion":-0.5}"#, "'outputPerMillion' must be a finite number"),
        (#"{"model":"m","inputPerMillion":1,"outputPerMillion":1,"cachedInputPerMillion":-2}"#, "'cachedInputPerMillion' must be a finite number"),
        (#"{"model":"m","inputPerMillion":"1.5","outputPerMillion":1}"#, "'inputPerMillion' must be a number"),
        (#"{"model":"m","inputPerMillion":true,"outputPerMillion":1}"#, "'inputPerMillion' must be a number"),
        (#"{"model":"m","inputPerMillion":1e999,"outputPerMillion":1}"#, "'inputPerMillion' must be a finite number"),
        (#"{"model":"m","inputPerMillion":1,"outputPerMillion":1000000}"#, "'outputPerMillion' must be at most 100000"),
        (#"{"model":"","inputPerMillion":1,"outputPerMillion":1}"#, "'model' must be 1–200 characters"),
        (#"{"model":"gpt 4o","inputPerMillion":1,"outputPerMillion":1}"#, "'model' may hold only"),
        (#"{"model":"-x","inputPerMillion":1,"outputPerMillion":1}"#, "'model' must start with a letter or a digit"),
        (#"{"model":7,"inputPerMillion":1,"outputPerMillion":1}"#, "'model' must be a string"),
        (#"{"model":"m","inputPerMillion":1,"outputPerMillion":1,"source":5}"#, "'source' must be a string or null"),
        (#"[1]"#, "must be a JSON object"),
        (#"{"model":"m","#, "not valid JSON"),
    ]

    @Test("Invalid prices are refused with a 400 naming the field", arguments: invalidBodies)
    func invalid(body: String, message: String) async throws {
        try await withGateway { live in
            let response = try await live.sendJSON(.post, "/api/token-prices", body)
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            #expect(try response.json()["error"]?["message"]?.stringValue?.contains(message) == true, "\(response.bodyText)")
            #expect(try await live.getJSON("/api/token-prices").arrayValue?.count == BuiltInTokenPrices.all.count)
        }
    }

    @Test("A PUT that would make a price invalid changes nothing")
    func invalidUpdate() async throws {
        try await withGateway { live in
            let id = BuiltInTokenPrices.id(for: "gpt-4o-mini").lowercasedString
            let response = try await live.sendJSON(.put, "/api/token-prices/\(id)", #"{"inputPerMillion":-1}"#)
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            let rename = try await live.sendJSON(.put, "/api/token-prices/\(id)", #"{"model":"other"}"#)
            expectGatewayError(rename, status: .badRequest, type: "invalid_request_error")
            #expect(try await live.getJSON("/api/token-prices/\(id)")["builtIn"] == true)
        }
    }

    static let invalidUsageQueries: [(String, String)] = [
        ("groupBy=week", "groupBy must be one of day, hour, model, agent"),
        ("agentId=nope", "Invalid agentId"),
        ("from=yesterday", "from must be an ISO-8601"),
        ("to=2026-13-45T00:00:00Z", "to must be an ISO-8601"),
        ("from=2026-02-01&to=2026-01-01", "from must be before to"),
        ("from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from must be before to"),
        ("from=2024-01-01&to=2026-01-01", "at most 366 days"),
    ]

    @Test("Bad /api/usage parameters are a 400 naming the parameter", arguments: invalidUsageQueries)
    func invalidUsage(query: String, message: String) async throws {
        try await withGateway { live in
            let response = try await live.send(.get, "/api/usage?\(query)")
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            #expect(try response.json()["error"]?["message"]?.stringValue?.contains(message) == true, "\(response.bodyText)")
        }
    }

    @Test("/api/usage with no traffic: the last 30 days by day, empty; days and explicit times are accepted")
    func emptyUsage() async throws {
        try await withGateway { live in
            let usage = try await live.getJSON("/api/usage")
            #expect(usage["groupBy"] == "day" && usage["groups"] == [] && usage["unpricedModels"] == [] && usage["agentId"] == .null)
            let from = try #require(usage["from"]?.stringValue.flatMap(Timestamp.parse))
            let to = try #require(usage["to"]?.stringValue.flatMap(Timestamp.parse))
            #expect(abs(to.timeIntervalSince(from) - 30 * 86_400) < 0.002)
            #expect(usage["totals"]?["requests"] == 0 && usage["totals"]?["costUsd"] == 0)
            let explicit = try await live.getJSON("/api/usage?from=2026-01-01&to=2026-01-02T12:30:00.000Z&groupBy=model&agentId=\(UUID().uuidString)")
            #expect(explicit["from"] == "2026-01-01T00:00:00.000Z" && explicit["to"] == "2026-01-02T12:30:00.000Z")
            #expect(explicit["groups"] == [])
        }
    }
}
