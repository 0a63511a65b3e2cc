import ArchestraCore
import Foundation
import HTTPTypes
import Testing

@testable import ArchestraServer

/// With `ARCHESTRA_ADMIN_TOKEN` the UI asks for the token once and keeps a signed session cookie.
@Suite("Web UI login", .timeLimit(.minutes(1)))
struct UILoginTests {
    static let token = "ui-admin-9d2e41"
    static let environment = ["ARCHESTRA_ADMIN_TOKEN": token]

    static let pages = [
        "/", "/?range=week", "/ui/agents", "/ui/agents/\(UUID().uuidString.lowercased())", "/ui/tools",
        "/ui/tools?agentId=x",
        "/ui/logs", "/ui/logs?q=a%20b&refused=1", "/ui/logs/\(UUID().uuidString.lowercased())", "/ui/dual-llm",
        "/ui/connect",
    ]

    @Test("without a session every page redirects to /ui/login?next=<the page>, which the login page keeps")
    func pagesRedirect() async throws {
        try await withGateway(environment: Self.environment) { live in
            for page in Self.pages {
                let response = try await live.send(.get, page)
                #expect(response.status == .seeOther, "\(page) → \(response.status)")
                let location = try #require(response.location)
                #expect(location.hasPrefix("/ui/login?next="))
                let next = String(location.dropFirst("/ui/login?next=".count))
                #expect(next.removingPercentEncoding == page, "\(page) → \(location)")
                #expect(
                    !next.contains("/") && !next.contains("?") && !next.contains("&"),
                    "next is one encoded parameter: \(next)")
                #expect(!response.bodyText.contains("<main>"), "no page content before signing in")
                let login = expectPage(try await live.send(.get, location), "login for \(page)")
                #expect(login.contains(#"<input type="hidden" name="next" value="\#(htmlEscaped(page))">"#), "\(page)")
                #expect(login.contains(#"name="token""#) && !login.contains("<nav>") && !login.contains("Log out"))
            }
        }
    }

    @Test("without a session: form posts and the live tail answer 401, static files are served")
    func apiLikeRoutes() async throws {
        try await withGateway(environment: Self.environment) { live in
            let id = UUID().uuidString.lowercased()
            let posts = [
                "/ui/agents", "/ui/agents/\(id)/rename", "/ui/agents/\(id)/delete", "/ui/agents/\(id)/keys",
                "/ui/keys/\(id)/revoke", "/ui/tools",
                "/ui/tools/\(id)/flags", "/ui/tools/\(id)/trusted-data-policies", "/ui/trusted-data-policies/\(id)",
                "/ui/tools/\(id)/test-result",
                "/ui/tools/\(id)/test-call", "/ui/dual-llm", "/ui/logout",
            ]
            for uri in posts {
                let response = try await live.send(
                    .post, uri, headers: [.contentType: "application/x-www-form-urlencoded"], body: "name=x")
                expectGatewayError(response, status: .unauthorized, type: "authentication_error")
            }
            expectGatewayError(
                try await live.send(.get, "/ui/logs/stream"), status: .unauthorized, type: "authentication_error")
            expectGatewayError(
                try await live.send(.get, "/ui/logs/stream?agentId=\(id)"), status: .unauthorized,
                type: "authentication_error")
            #expect(try await live.send(.get, "/ui/static/app.css").status == .ok)
            #expect(try await live.send(.get, "/ui/static/app.js").status == .ok)
            #expect(try await live.getJSON("/api/agents", headers: live.adminHeaders) == [], "nothing was written")
        }
    }

    @Test(
        "a wrong token is refused 401 without a cookie; the right one sets an HttpOnly SameSite=Strict session and lands on next"
    )
    func login() async throws {
        try await withGateway(environment: Self.environment) { live in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            for wrong in [
                "", "x", String(Self.token.dropLast()), Self.token + "x", Self.token.uppercased(), " \(Self.token)",
            ] {
                let response = try await live.send(
                    .post, "/ui/login", headers: form,
                    body: UIBrowser.encode([("token", wrong), ("next", "/ui/tools")]))
                let html = expectPage(response, status: .unauthorized, "wrong token \(wrong)")
                #expect(html.contains("That is not the admin token."))
                #expect(response.setCookies.isEmpty, "no cookie for a wrong token")
                #expect(html.contains(#"name="next" value="/ui/tools""#), "next kept")
            }
            let missing = try await live.send(.post, "/ui/login", headers: form, body: "next=%2F")
            #expect(missing.status == .unauthorized && missing.setCookies.isEmpty)

            let response = try await live.send(
                .post, "/ui/login", headers: form,
                body: UIBrowser.encode([("token", Self.token), ("next", "/ui/logs?q=x")]))
            #expect(response.status == .seeOther && response.location == "/ui/logs?q=x")
            let cookie = try #require(response.setCookies.first { $0.name == UISession.sessionCookie })
            #expect(
                cookie.httpOnly && cookie.sameSite == "Strict" && cookie.attributes["path"] == "/"
                    && cookie.maxAge == 12 * 3600)
            #expect(!cookie.secure, "plain HTTP: a Secure cookie would never come back")
            #expect(!cookie.value.contains(Self.token), "the cookie does not carry the token")

            let browser = UIBrowser(live)
            browser.setCookie(UISession.sessionCookie, cookie.value)
            for page in Self.pages.filter({ !$0.contains("/ui/agents/") && !$0.contains("/ui/logs/") }) {
                let html = expectPage(try await browser.get(page), page)
                #expect(html.contains(#"<form method="post" action="/ui/logout""#), "\(page) offers to log out")
            }
            let signedIn = try await browser.get("/ui/login?next=%2Fui%2Fconnect")
            #expect(
                signedIn.status == .seeOther && signedIn.location == "/ui/connect",
                "a signed-in browser skips the login page")
            let created = try await browser.submit("/ui/agents", [("name", "made after login")])
            #expect(created.status == .seeOther, "forms work with the session's token")

            let tls = try await live.send(
                .post, "/ui/login",
                headers: [
                    .contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Forwarded-Proto")!: "https",
                ],
                body: UIBrowser.encode([("token", Self.token)])
            )
            #expect(tls.setCookies.first?.secure == true, "behind TLS the cookie is Secure")
            #expect(tls.location == "/")
        }
    }

    @Test(
        "next is only ever a path on this gateway",
        arguments: [
            ("/ui/tools", "/ui/tools"), ("/ui/logs?q=a%20b&sort=oldest", "/ui/logs?q=a%20b&sort=oldest"), ("/", "/"),
            (nil, "/"), ("", "/"), ("ui/tools", "/"), ("//evil.example", "/"), ("//evil.example/ui", "/"),
            ("/\\evil.example", "/"),
            ("/\\/evil.example", "/"), ("http://evil.example", "/"), ("https://evil.example/ui/tools", "/"),
            ("javascript:alert(1)", "/"),
            ("/ui/tools\r\nSet-Cookie: x=y", "/"), ("/ui/\u{0}tools", "/"), ("/ui/\ttools", "/"), ("/ui/ tools", "/"),
            ("/ui/\u{7F}", "/"),
            ("/ui/tools\\evil", "/"), ("/ui/é", "/"), ("/" + String(repeating: "a", count: 2048), "/"),
        ] as [(String?, String)])
    func safeNext(next: String?, expected: String) {
        #expect(LoginPage.safeNext(next) == expected)
    }

    @Test("a next that is not a path on this gateway lands on the overview")
    func unsafeNextOnTheWire() async throws {
        try await withGateway(environment: Self.environment) { live in
            for next in ["//evil.example", "/\\evil.example", "http://evil.example", "/ok\r\nX: y"] {
                let response = try await live.send(
                    .post, "/ui/login", headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: UIBrowser.encode([("token", Self.token), ("next", next)])
                )
                #expect(
                    response.status == .seeOther && response.location == "/",
                    "\(next) → \(String(describing: response.location))")
                let page = try await live.send(
                    .get, "/ui/login?next=" + next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                #expect(page.bodyText.contains(#"name="next" value="/""#), "\(next) is not offered")
            }
        }
    }

    @Test("a tampered, expired, foreign or malformed session cookie is refused")
    func refusedCookies() async throws {
        try await withGateway(environment: Self.environment) { live in
            let good = try await Self.signIn(live)
            let parts = good.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            let flipped = String(parts[2].dropLast()) + (parts[2].hasSuffix("0") ? "1" : "0")
            let now = Date()
            let refused: [(String, String)] = [
                ("signature changed", "\(parts[0]).\(parts[1]).\(flipped)"),
                ("expiry extended", "\(Int(parts[0])! + 3600).\(parts[1]).\(parts[2])"),
                ("nonce changed", "\(parts[0]).\(String(parts[1].reversed())).\(parts[2])"),
                ("no signature", "\(parts[0]).\(parts[1])."),
                ("extra part", good + ".x"),
                ("garbage", "hello"),
                ("empty", ""),
                (
                    "expired",
                    UISession(adminToken: Self.token).newSession(now: now.addingTimeInterval(-UISession.lifetime - 1))
                ),
                ("another token's", UISession(adminToken: Self.token + "-other").newSession(now: now)),
                ("open UI's", UISession(adminToken: nil).newSession(now: now)),
            ]
            for (label, value) in refused {
                let browser = UIBrowser(live)
                browser.setCookie(UISession.sessionCookie, value)
                let page = try await browser.get("/ui/agents")
                #expect(
                    page.status == .seeOther && page.location?.hasPrefix("/ui/login") == true,
                    "\(label) cookie: \(page.status)")
                let post = try await browser.post(
                    "/ui/agents", [("name", "x")], csrf: String(repeating: "0", count: 64))
                #expect(post.status == .unauthorized, "\(label) cookie on a form")
            }
            // Minted now by the same key, as another instance with the same token would.
            let browser = UIBrowser(live)
            browser.setCookie(UISession.sessionCookie, UISession(adminToken: Self.token).newSession(now: Date()))
            expectPage(try await browser.get("/ui/agents"), "a cookie minted with the same token")
            let almostExpired = UIBrowser(live)
            almostExpired.setCookie(
                UISession.sessionCookie,
                UISession(adminToken: Self.token).newSession(now: now.addingTimeInterval(-UISession.lifetime + 60)))
            expectPage(try await almostExpired.get("/ui/agents"), "a cookie a minute before it expires")
        }
    }

    @Test("a session made by another instance with the same token is accepted; with another token it is not")
    func otherInstance() async throws {
        try await withGateway(environment: Self.environment) { first in
            let cookie = try await Self.signIn(first)
            try await withGateway(environment: Self.environment) { second in
                let browser = UIBrowser(second)
                browser.setCookie(UISession.sessionCookie, cookie)
                expectPage(try await browser.get("/ui/tools"), "the other instance")
                let created = try await browser.submit("/ui/agents", [("name", "made on the second instance")])
                #expect(created.status == .seeOther, "its CSRF token is the same session's")
            }
            try await withGateway(environment: ["ARCHESTRA_ADMIN_TOKEN": Self.token + "-rotated"]) { rotated in
                let browser = UIBrowser(rotated)
                browser.setCookie(UISession.sessionCookie, cookie)
                let page = try await browser.get("/ui/tools")
                #expect(page.status == .seeOther, "a rotated token ends every session")
            }
        }
    }

    @Test("forms need the session's own CSRF token; logout needs it too and clears the cookie")
    func sessionCSRFAndLogout() async throws {
        try await withGateway(environment: Self.environment) { live in
            let alice = UIBrowser(live)
            alice.setCookie(UISession.sessionCookie, try await Self.signIn(live))
            let bob = UIBrowser(live)
            bob.setCookie(UISession.sessionCookie, try await Self.signIn(live))
            let aliceToken = try await alice.csrfToken()
            let bobToken = try await bob.csrfToken()
            #expect(aliceToken != bobToken && aliceToken.count == 64)
            let before = try await live.adminState()
            for token in [bobToken, nil, "", String(repeating: "f", count: 64)] as [String?] {
                let response = try await alice.post("/ui/agents", [("name", "x")], csrf: token)
                expectGatewayError(response, status: .forbidden, type: "permission_error")
                let logout = try await alice.post("/ui/logout", csrf: token)
                #expect(logout.status == .forbidden && logout.setCookies.isEmpty, "logout without the token")
            }
            #expect(try await live.adminState() == before)
            #expect(try await alice.post("/ui/agents", [("name", "alice's")], csrf: aliceToken).status == .seeOther)

            let logout = try await alice.post("/ui/logout", csrf: aliceToken)
            #expect(logout.status == .seeOther && logout.location == "/ui/login")
            let cleared = try #require(logout.setCookies.first { $0.name == UISession.sessionCookie })
            #expect(cleared.value.isEmpty && cleared.maxAge == 0 && cleared.httpOnly && cleared.sameSite == "Strict")
            #expect(alice.cookies[UISession.sessionCookie] == nil)
            let after = try await alice.get("/ui/agents")
            #expect(after.status == .seeOther && after.location?.hasPrefix("/ui/login?next=") == true, "logged out")
            expectPage(try await bob.get("/ui/agents"), "another session goes on")
        }
    }

    /// Signs in with the admin token; returns the session cookie's value.
    static func signIn(_ live: LiveGateway, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let response = try await live.send(
            .post, "/ui/login", headers: [.contentType: "application/x-www-form-urlencoded"],
            body: UIBrowser.encode([("token", token)])
        )
        #expect(response.status == .seeOther, sourceLocation: sourceLocation)
        return try #require(
            response.setCookies.first { $0.name == UISession.sessionCookie }?.value, sourceLocation: sourceLocation)
    }
}
