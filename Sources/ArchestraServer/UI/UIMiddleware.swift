import ArchestraCore
import Foundation
import HTTPTypes
import Hummingbird

/// Guards the web UI: with an admin token, a signed session cookie is required (pages redirect to the login,
/// everything else is 401); without one, the UI is open and gets a double-submit CSRF cookie.
struct UIMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let session: UISession
    let clock: any WallClock

    /// Paths that need no session.
    static let openPaths: Set<String> = ["/ui/login"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        if path.hasPrefix("/ui/static/") { return try await next(request, context) }
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        if session.requiresLogin {
            let nonce = session.validSession(UISession.cookieValue(UISession.sessionCookie, in: request.headers), now: clock.now())
            context.ui.signedIn = nonce != nil
            context.ui.csrfToken = session.csrfToken(session: nonce, csrfCookie: nil)
            if nonce == nil, !Self.openPaths.contains(path) {
                guard request.method == .get, !path.hasSuffix("/stream") else {
                    throw GatewayError(status: .unauthorized, type: "authentication_error", message: "Sign in at /ui/login")
                }
                let target = request.uri.description
                return UIRenderer.redirect(to: "/ui/login?next=" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"), state: context.ui)
            }
        } else {
            var token = UISession.cookieValue(UISession.csrfCookie, in: request.headers).flatMap { $0.count == 64 ? $0 : nil }
            if token == nil {
                token = UISession.randomHex(32)
                context.ui.setCookies.append(UISession.cookie(UISession.csrfCookie, token!, maxAge: Int(UISession.lifetime), secure: secure))
            }
            context.ui.csrfToken = token
        }
        return try await next(request, context)
    }
}

extension UIForm {
    /// A posted form whose CSRF token matches the request's; 403 otherwise.
    static func verified(_ request: Request, context: AppRequestContext, limit: Int) async throws -> UIForm {
        let form = try await UIForm(request, limit: limit)
        guard UISession.matches(form["csrf"], expected: context.ui.csrfToken) else {
            throw GatewayError(status: .forbidden, type: "permission_error", message: "The form's CSRF token is missing or wrong; reload the page")
        }
        return form
    }
}
