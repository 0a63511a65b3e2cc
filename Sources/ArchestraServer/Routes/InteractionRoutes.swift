import ArchestraCore
import ArchestraStore
import Hummingbird

/// `/api/interactions`: the recorded pipeline requests, paginated.
struct InteractionRoutes {
    let admin: AdminServices

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("interactions") { request, _ -> Response in
            let query = try Self.query(from: request.uri.queryParameters)
            let page = try await admin.interactions.list(query)
            return .json(bytes: Self.pageJSON(page, query: query))
        }
        group.get("interactions/:id") { _, context -> Response in
            .json(bytes: AdminJSON.interaction(try await admin.interactions.get(try AdminID.parse(context.parameters.get("id")))))
        }
    }

    static func query(from parameters: Parameters) throws -> InteractionQuery {
        var query = InteractionQuery()
        query.agentId = try AdminID.optional(parameters["agentId"].map(String.init), name: "agentId")
        query.userId = parameters["userId"].map(String.init)
        query.sessionId = parameters["sessionId"].map(String.init)
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...100).contains(limit) else { throw GatewayError.badRequest("limit must be an integer from 1 to 100") }
            query.limit = limit
        }
        if let text = parameters["offset"] {
            guard let offset = Int(text), offset >= 0 else { throw GatewayError.badRequest("offset must be a non-negative integer") }
            query.offset = offset
        }
        if let text = parameters["sortBy"] {
            guard let key = InteractionQuery.SortKey(rawValue: String(text)) else {
                throw GatewayError.badRequest("sortBy must be one of createdAt, agentId, model")
            }
            query.sortBy = key
        }
        if let text = parameters["sortDirection"] {
            guard text == "asc" || text == "desc" else { throw GatewayError.badRequest("sortDirection must be asc or desc") }
            query.ascending = text == "asc"
        }
        return query
    }

    static func pageJSON(_ page: InteractionPage, query: InteractionQuery) -> [UInt8] {
        let currentPage = query.offset / query.limit + 1
        let totalPages = (page.total + query.limit - 1) / query.limit
        return RawJSON.object([
            ("data", .bytes(RawJSON.array(page.rows.map(AdminJSON.interaction)))),
            ("pagination", .value([
                "currentPage": .integer(currentPage), "limit": .integer(query.limit), "total": .integer(page.total),
                "totalPages": .integer(totalPages), "hasNext": .bool(currentPage < totalPages), "hasPrev": .bool(currentPage > 1),
            ])),
        ])
    }
}
