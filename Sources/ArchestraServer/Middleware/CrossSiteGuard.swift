import HTTPTypes
import Hummingbird

/// Keeps other web sites from writing through a browser that can reach the admin API (an open API on a
/// developer's machine, say): a browser names the page's origin on every cross-origin write, and a site can
/// only send a JSON content type after a CORS preflight the gateway never grants. So writes whose `Origin`
/// (or `Sec-Fetch-Site`) is another site are refused, and admin bodies must be declared JSON (`AdminBody`).
struct CrossSiteGuard<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if ![.get, .head, .options].contains(request.method), Self.isCrossSite(request.headers, authority: request.head.authority) {
            throw GatewayError(status: .forbidden, type: "permission_error", message: "Cross-site writes to the admin API are refused")
        }
        return try await next(request, context)
    }

    static func isCrossSite(_ headers: HTTPFields, authority: String?) -> Bool {
        if let site = headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" { return true }
        guard let origin = headers[.origin] else { return false }
        let host = authority ?? headers[HTTPField.Name("Host")!]
        guard let host, origin != "null" else { return true }
        let originHost = origin.split(separator: "://", maxSplits: 1).last.map(String.init) ?? origin
        return originHost.lowercased() != host.lowercased()
    }
}
