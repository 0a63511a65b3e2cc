import ArchestraCore
import Foundation
import Hummingbird

/// `/api/limits`: caps on requests, tokens and spend, per agent or for all agents together.
struct LimitRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("limits") { request, _ -> Response in
            let agentId = try AdminID.optional(request.uri.queryParameters["agentId"].map(String.init), name: "agentId")
            return .json(.array(try await admin.limits.list(agentId: agentId).map(AdminJSON.limit)))
        }
        group.post("limits") { request, _ -> Response in
            let body = try await AdminBody(request, limit: bodyLimit)
            return .json(AdminJSON.limit(try await admin.limits.create(try Self.fields(body))), status: .created)
        }
        group.get("limits/:id") { _, context -> Response in
            .json(AdminJSON.limit(try await admin.limits.get(try AdminID.parse(context.parameters.get("id")))))
        }
        group.put("limits/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let body = try await AdminBody(request, limit: bodyLimit)
            return .json(AdminJSON.limit(try await admin.limits.update(id, try Self.fields(body))))
        }
        group.delete("limits/:id") { _, context -> Response in
            try await admin.limits.delete(try AdminID.parse(context.parameters.get("id")))
            return .json(AdminJSON.success)
        }
    }

    static func fields(_ body: AdminBody) throws -> LimitService.Fields {
        var agentId: UUID??
        if let value = body.object["agentId"] {
            if value.isNull {
                agentId = .some(nil)
            } else {
                agentId = .some(try body.uuid("agentId", required: true))
            }
        }
        return LimitService.Fields(agentId: agentId, kind: try body.choice("kind", as: LimitKind.self, required: false), value: try body.limitValue())
    }
}

extension AdminBody {
    /// The `value` field: a JSON number; nil when absent.
    fileprivate func limitValue() throws -> Double? {
        guard let value = object["value"] else { return nil }
        guard case .number(let text) = value, let number = Double(text) else {
            throw GatewayError.badRequest("Field 'value' must be a number")
        }
        return number
    }
}
