import ArchestraCore
import Foundation
import Hummingbird

/// `/api/keys`: virtual keys for applications.
struct KeyRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("keys") { request, _ -> Response in
            let agentId = try AdminID.optional(request.uri.queryParameters["agentId"].map(String.init), name: "agentId")
            return .json(.array(try await admin.keys.list(agentId: agentId).map(AdminJSON.key)))
        }
        group.post("keys") { request, _ -> Response in
            let body = try await AdminBody(request, limit: bodyLimit)
            let issued = try await admin.keys.issue(
                agentId: try body.uuid("agentId", required: true)!, name: try body.string("name", required: true)!,
                expiresAt: try body.timestamp("expiresAt")
            )
            guard case .object(var object) = AdminJSON.key(issued.key) else { return .json(.null) }
            object.members.insert(("secret", .string(issued.secret)), at: 1)
            return .json(.object(object), status: .created)
        }
        group.get("keys/:id") { _, context -> Response in
            .json(AdminJSON.key(try await admin.keys.get(try AdminID.parse(context.parameters.get("id")))))
        }
        group.delete("keys/:id") { _, context -> Response in
            _ = try await admin.keys.revoke(try AdminID.parse(context.parameters.get("id")))
            return .json(AdminJSON.success)
        }
    }
}
