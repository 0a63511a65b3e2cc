import ArchestraCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/ui/login` and `/ui/logout`: with an admin token the UI asks for it once and keeps a signed session cookie.
struct LoginPage {
    let ui: UIContext

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("login") { request, context -> Response in
            let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
            guard ui.session.requiresLogin, !context.ui.signedIn else { return UIRenderer.redirect(to: next, state: context.ui) }
            return render(next: next, error: nil, state: context.ui, status: .ok)
        }
        group.post("login") { request, context -> Response in
            let form = try await UIForm(request, limit: 16 * 1024)
            let next = Self.safeNext(form["next"])
            guard ui.session.requiresLogin else { return UIRenderer.redirect(to: next, state: context.ui) }
            guard let token = form["token"], ui.session.acceptsToken(token) else {
                return render(next: next, error: "That is not the admin token.", state: context.ui, status: .unauthorized)
            }
            var state = context.ui
            state.setCookies.append(UISession.cookie(
                UISession.sessionCookie, ui.session.newSession(now: ui.proxy.clock.now()), maxAge: Int(UISession.lifetime),
                secure: Self.isSecure(request)
            ))
            return UIRenderer.redirect(to: next, state: state)
        }
        group.post("logout") { request, context -> Response in
            _ = try await UIForm.verified(request, context: context, limit: 16 * 1024)
            var state = context.ui
            state.setCookies.append(UISession.cookie(UISession.sessionCookie, "", maxAge: 0, secure: Self.isSecure(request)))
            return UIRenderer.redirect(to: ui.session.requiresLogin ? "/ui/login" : "/", state: state)
        }
    }

    func render(next: String, error: String?, state: UIRequestState, status: HTTPResponse.Status) -> Response {
        ui.renderer.page("login", title: "Sign in", section: "", state: state, context: [
            "next": next, "error": error as Any, "hideNav": true,
        ], status: status)
    }

    /// Where to go after signing in: a path on this gateway only (never `//host` or `/\host`, which browsers
    /// read as another site), else the overview.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.utf8.count <= 2048,
              next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" })
        else { return "/" }
        return next
    }

    static func isSecure(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}
