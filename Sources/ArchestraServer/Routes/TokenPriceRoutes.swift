import ArchestraCore
import Foundation
import Hummingbird

/// `/api/token-prices`: the prices interactions are charged with (built-in ones and the operator's).
struct TokenPriceRoutes {
    let admin: AdminServices
    let bodyLimit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("token-prices") { _, _ -> Response in
            .json(.array(try await admin.tokenPrices.list().map(AdminJSON.tokenPrice)))
        }
        group.post("token-prices") { request, _ -> Response in
            let body = try await AdminBody(request, limit: bodyLimit)
            let price = try await admin.tokenPrices.create(try Self.fields(body))
            return .json(AdminJSON.tokenPrice(price), status: .created)
        }
        group.get("token-prices/:id") { _, context -> Response in
            .json(AdminJSON.tokenPrice(try await admin.tokenPrices.get(try AdminID.parse(context.parameters.get("id")))))
        }
        group.put("token-prices/:id") { request, context -> Response in
            let id = try AdminID.parse(context.parameters.get("id"))
            let body = try await AdminBody(request, limit: bodyLimit)
            return .json(AdminJSON.tokenPrice(try await admin.tokenPrices.update(id, try Self.fields(body))))
        }
        group.delete("token-prices/:id") { _, context -> Response in
            try await admin.tokenPrices.delete(try AdminID.parse(context.parameters.get("id")))
            return .json(AdminJSON.success)
        }
    }

    static func fields(_ body: AdminBody) throws -> TokenPriceService.Fields {
        TokenPriceService.Fields(
            model: try body.string("model"), inputPerMillion: try body.price("inputPerMillion"),
            cachedInputPerMillion: try body.nullablePrice("cachedInputPerMillion"), outputPerMillion: try body.price("outputPerMillion"),
            source: try body.nullableString("source")
        )
    }
}

extension AdminBody {
    /// A price field: a JSON number; nil when absent.
    func price(_ field: String) throws -> Double? {
        guard let value = object[field] else { return nil }
        return try Self.price(value, field: field)
    }

    /// A price field that may be `null` (nil when absent, `.some(nil)` when null).
    func nullablePrice(_ field: String) throws -> Double?? {
        guard let value = object[field] else { return nil }
        if value.isNull { return .some(nil) }
        return .some(try Self.price(value, field: field))
    }

    private static func price(_ value: JSONValue, field: String) throws -> Double {
        guard case .number(let text) = value, let number = Double(text) else {
            throw GatewayError.badRequest("Field '\(field)' must be a number (USD per million tokens)")
        }
        // Range problems (negative, too large to be finite) are the service's to name.
        return number
    }
}
