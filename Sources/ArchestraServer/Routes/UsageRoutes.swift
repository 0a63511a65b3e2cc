import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/api/usage`: tokens, cost, requests and refusals over a window, grouped by day, hour, model or agent.
struct UsageRoutes {
    let admin: AdminServices

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("usage") { request, _ -> Response in
            let query = try Self.query(from: request.uri.queryParameters, now: admin.usage.context.clock.now())
            return .json(Self.json(try await admin.usage.report(query)))
        }
    }

    /// Reads and checks the parameters; every mistake is a 400 naming the parameter.
    static func query(from parameters: Parameters, now: Date) throws -> UsageService.Query {
        let agentId = try AdminID.optional(parameters["agentId"].map(String.init), name: "agentId")
        var groupBy = UsageService.Query.GroupBy.day
        if let text = parameters["groupBy"] {
            guard let value = UsageService.Query.GroupBy(rawValue: String(text)) else {
                let allowed = UsageService.Query.GroupBy.allCases.map(\.rawValue).joined(separator: ", ")
                throw GatewayError.badRequest("groupBy must be one of \(allowed); got '\(text)'")
            }
            groupBy = value
        }
        let to = try parameters["to"].map { try time(String($0), name: "to") } ?? now
        let from = try parameters["from"].map { try time(String($0), name: "from") } ?? to.addingTimeInterval(-UsageService.defaultWindow)
        guard from < to else { throw GatewayError.badRequest("from must be before to") }
        guard to.timeIntervalSince(from) <= UsageService.maxWindow else {
            throw GatewayError.badRequest("The window from 'from' to 'to' may span at most 366 days")
        }
        return UsageService.Query(agentId: agentId, from: from, to: to, groupBy: groupBy)
    }

    /// An ISO-8601 UTC time (`2026-11-30T14:00:00.000Z`, milliseconds optional) or a UTC day (`2026-11-30`).
    static func time(_ text: String, name: String) throws -> Date {
        let full = text.utf8.count == 10 ? text + "T00:00:00Z" : text
        // The parser reads the digits without checking the calendar: a time that does not print back as it was
        // written (month 13, day 45) is refused rather than read as another day.
        if let date = Timestamp.parse(full), Timestamp.format(date).prefix(19) == full.prefix(19) { return date }
        throw GatewayError.badRequest("\(name) must be an ISO-8601 UTC time such as 2026-11-30T14:00:00Z, or a day such as 2026-11-30; got '\(text)'")
    }

    static func json(_ report: UsageService.Report) -> JSONValue {
        var root = JSONObject([
            ("from", AdminJSON.date(report.query.from)), ("to", AdminJSON.date(report.query.to)),
            ("groupBy", .string(report.query.groupBy.rawValue)),
            ("agentId", report.query.agentId.map(AdminJSON.id) ?? .null),
        ])
        root["groups"] = .array(report.groups.map { group in
            var object = JSONObject([("key", .string(group.key))])
            if report.query.groupBy == .agent { object["agentName"] = report.agentNames[group.key].map(JSONValue.string) ?? .null }
            for member in counts(group).members { object[member.key] = member.value }
            return .object(object)
        })
        root["totals"] = .object(counts(report.totals))
        root["unpricedModels"] = .array(report.unpriced.map { ["model": .string($0.model), "calls": .integer($0.calls)] })
        return .object(root)
    }

    /// A group's numbers: requests and refusals count interactions; tokens and cost count every call made for
    /// them, the Dual LLM's included, whose part is repeated under `dualLlm`.
    private static func counts(_ group: UsageService.Group) -> JSONObject {
        var object = JSONObject([
            ("requests", .integer(group.totals.requests)), ("errors", .integer(group.totals.errors)),
            ("refusals", .integer(group.totals.refusals)),
        ])
        for member in tokens(group.totals).members { object[member.key] = member.value }
        object["unpricedCalls"] = .integer(group.totals.unpricedCalls)
        object["dualLlm"] = .object(tokens(group.dualLLM))
        return object
    }

    private static func tokens(_ totals: UsageTotals) -> JSONObject {
        JSONObject([
            ("inputTokens", .integer(totals.inputTokens)), ("outputTokens", .integer(totals.outputTokens)),
            ("cachedInputTokens", .integer(totals.cachedInputTokens)), ("reasoningTokens", .integer(totals.reasoningTokens)),
            ("costUsd", totals.cost.json),
        ])
    }
}
