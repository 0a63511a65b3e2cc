import ArchestraCore
import ArchestraServer
import Foundation
import HTTPTypes
import Testing

/// Every page of the web UI, read as a browser would: status, HTML, the security headers, what the page shows.
@Suite("Web UI pages", .timeLimit(.minutes(1)))
struct UIPageTests {
    /// An agent with a key, a tool with one policy of each kind, and one interaction (in mock mode).
    struct Fixture {
        var agentId: String
        var toolId: String
        var interactionId: String
    }

    static func fixture(_ live: LiveGateway) async throws -> Fixture {
        let agentId = try #require(try await live.createAgent("Mail assistant")["id"]?.stringValue)
        let key = try await live.sendJSON(
            .post, "/api/keys", jsonText([("agentId", .string(agentId)), ("name", "laptop")]))
        #expect(key.status == .created)
        let toolId = try await live.declareTool(agentId: agentId, name: "get_emails", description: "Reads the inbox")
        let trusted = try await live.sendJSON(
            .post, "/api/trusted-data-policies",
            jsonText([
                ("toolId", .string(toolId)), ("description", "Company mail"), ("attributePath", "emails[*].from"),
                ("operator", "endsWith"), ("value", "@company.com"),
            ]))
        #expect(trusted.status == .ok, "\(trusted.bodyText)")
        let invocation = try await live.sendJSON(
            .post, "/api/autonomy-policies/tool-invocation",
            jsonText([
                ("toolId", .string(toolId)), ("argumentName", "folder"), ("operator", "equal"), ("value", "inbox"),
                ("action", "allow_when_context_is_untrusted"), ("reason", "Reading the inbox is fine"),
            ]))
        #expect(invocation.status == .ok, "\(invocation.bodyText)")
        let proxied = try await live.send(
            .post, "/v1/openai/\(agentId)/chat/completions", headers: [.contentType: "application/json"],
            body: chatBody())
        #expect(proxied.status == .ok)
        let interaction = try await live.onlyInteraction(agentId: agentId)
        return Fixture(agentId: agentId, toolId: toolId, interactionId: try #require(interaction["id"]?.stringValue))
    }

    @Test("every page answers 200 HTML with the security headers, a fresh nonce, and its content")
    func everyPage() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let fixture = try await Self.fixture(live)
            let browser = UIBrowser(live)
            let pages: [(uri: String, shows: [String], current: String?)] = [
                ("/", ["Overview", "Mail assistant", "Spend by agent", "Spend by model", "$0.000375"], "/"),
                ("/?range=week", ["Last 7 days"], "/"),
                ("/ui/agents", ["Mail assistant", fixture.agentId], "/ui/agents"),
                (
                    "/ui/agents/\(fixture.agentId)",
                    ["Mail assistant", "laptop", "get_emails", "/v1/openai/\(fixture.agentId)", "Requests per minute", "Cost per month (UTC)"],
                    "/ui/agents"
                ),
                (
                    "/ui/agents/\(fixture.agentId)/delete", ["Delete “Mail assistant”?", "1 recorded interactions"],
                    "/ui/agents"
                ),
                ("/ui/tools", ["get_emails", "Reads the inbox", "Mail assistant"], "/ui/tools"),
                ("/ui/tools?agentId=\(fixture.agentId)", ["get_emails"], "/ui/tools"),
                (
                    "/ui/tools/\(fixture.toolId)",
                    ["get_emails", "@company.com", "Reading the inbox is fine", "Policy tester"], "/ui/tools"
                ),
                ("/ui/logs", ["1 interaction", "/ui/logs/\(fixture.interactionId)", "list_files", "<th class=\"num\">Cost</th>", "$0.000375"], "/ui/logs"),
                (
                    "/ui/logs?agentId=\(fixture.agentId)&type=openai:chatCompletions&status=2&q=hello&sort=oldest",
                    ["1 interaction"], "/ui/logs"
                ),
                (
                    "/ui/logs/\(fixture.interactionId)",
                    ["openai:chatCompletions", "Hello", "list_files", "Mail assistant", "Usage and cost", "$0.000375"], "/ui/logs"
                ),
                ("/ui/dual-llm", ["Dual LLM", "maxRounds", "No results yet."], "/ui/dual-llm"),
                ("/ui/connect", ["http://localhost/v1/openai", "SQLite (in memory)", "not set"], "/ui/connect"),
                ("/ui/costs", ["Limits for all agents together", "Token prices", "claude-sonnet-4-5", "built in"], "/ui/costs"),
            ]
            var nonces = Set<String>()
            for page in pages {
                let response = try await browser.get(page.uri)
                let html = expectPage(response, page.uri)
                for text in page.shows {
                    #expect(html.contains(text), "\(page.uri) does not show \(text)")
                }
                if let current = page.current {
                    #expect(
                        html.contains(#"<a href="\#(current)" aria-current="page">"#),
                        "\(page.uri): \(current) not marked current")
                }
                #expect(
                    UIBrowser.csrfToken(in: html) == browser.cookies["archestra_csrf"]
                        || !html.contains(#"name="csrf""#))
                if let nonce = firstMatch(#"'nonce-([0-9a-f]+)'"#, in: response.headers[.contentSecurityPolicy] ?? "") {
                    nonces.insert(nonce)
                }
            }
            #expect(nonces.count == pages.count, "every response has its own nonce")
        }
    }

    @Test(
        "an open UI gives a browser one HttpOnly SameSite=Strict CSRF cookie, Secure behind TLS, and its forms carry it"
    )
    func csrfCookie() async throws {
        try await withGateway { live in
            let first = try await live.send(.get, "/ui/agents")
            let cookie = try #require(first.setCookies.first { $0.name == "archestra_csrf" })
            #expect(cookie.value.count == 64 && cookie.value.allSatisfy(\.isHexDigit))
            #expect(
                cookie.httpOnly && cookie.sameSite == "Strict" && cookie.attributes["path"] == "/" && !cookie.secure)
            #expect(cookie.maxAge == 12 * 3600)
            #expect(UIBrowser.csrfToken(in: first.bodyText) == cookie.value)

            let again = try await live.send(.get, "/ui/tools", headers: [.cookie: "archestra_csrf=\(cookie.value)"])
            #expect(again.setCookies.isEmpty, "a browser with the cookie keeps it")
            #expect(UIBrowser.csrfToken(in: again.bodyText) == cookie.value)

            let malformed = try await live.send(.get, "/ui/tools", headers: [.cookie: "archestra_csrf=short"])
            let replaced = try #require(malformed.setCookies.first)
            #expect(replaced.value.count == 64 && replaced.value != "short")

            let tls = try await live.send(.get, "/ui/agents", headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(tls.setCookies.first?.secure == true)
        }
    }

    @Test("static files: the stylesheet and the script from memory, nothing else")
    func staticFiles() async throws {
        try await withGateway { live in
            let css = try await live.send(.get, "/ui/static/app.css")
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let script = try await live.send(.get, "/ui/static/app.js")
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.bodyText.contains("EventSource"))
            #expect(script.setCookies.isEmpty, "static files set no cookie")
            let icon = try await live.send(.get, "/ui/static/favicon.svg")
            #expect(
                icon.status == .ok && icon.headers[.contentType] == "image/svg+xml" && icon.bodyText.hasPrefix("<svg"))
            #expect(
                expectPage(try await live.send(.get, "/ui/agents"), "agents").contains(
                    #"<link rel="icon" href="/ui/static/favicon.svg""#))
            for missing in [
                "/ui/static/nope.js", "/ui/static/..%2FUIRoutes.swift", "/ui/static/%2e%2e%2fTemplates",
                "/ui/static/../UIRoutes.swift",
            ] {
                let response = try await live.send(.get, missing)
                #expect(response.status == .notFound, "\(missing) → \(response.status)")
                #expect(!response.bodyText.contains("struct UIRoutes"))
            }
        }
    }

    @Test("a missing or malformed id is an HTML error page with the security headers")
    func errorPages() async throws {
        try await withGateway { live in
            let unknown = UUID().uuidString.lowercased()
            for uri in [
                "/ui/agents/\(unknown)", "/ui/agents/\(unknown)/delete", "/ui/tools/\(unknown)", "/ui/logs/\(unknown)",
            ] {
                let html = expectPage(try await live.send(.get, uri), status: .notFound, uri)
                #expect(html.contains("Not found") && html.contains(unknown), "\(uri): \(html.prefix(300))")
            }
            for uri in ["/ui/agents/not-a-uuid", "/ui/tools/not-a-uuid", "/ui/logs/not-a-uuid"] {
                let html = expectPage(try await live.send(.get, uri), status: .badRequest, uri)
                #expect(html.contains("not-a-uuid"))
            }
        }
    }

    @Test("without an admin token the login page sends the browser where it was going")
    func loginWithoutToken() async throws {
        try await withGateway { live in
            let response = try await live.send(.get, "/ui/login?next=%2Fui%2Ftools")
            #expect(response.status == .seeOther && response.location == "/ui/tools")
            let evil = try await live.send(.get, "/ui/login?next=%2F%2Fevil.example")
            #expect(evil.location == "/")
            let posted = try await live.send(
                .post, "/ui/login", headers: [.contentType: "application/x-www-form-urlencoded"],
                body: "next=%2Fui%2Flogs&token=x"
            )
            #expect(posted.status == .seeOther && posted.location == "/ui/logs")
            #expect(
                !expectPage(try await live.send(.get, "/ui/agents"), "agents").contains("Log out"),
                "no logout without a login")
        }
    }

    @Test("logs: filters, keyset pages of 50 and the live tail's source")
    func logsPaging() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let first = try #require(try await live.createAgent("first")["id"]?.stringValue)
            let second = try #require(try await live.createAgent("second")["id"]?.stringValue)
            for index in 0..<52 {
                let agent = index < 50 ? first : second
                let response = try await live.send(
                    .post, "/v1/openai/\(agent)/chat/completions", headers: [.contentType: "application/json"],
                    body: chatBody()
                )
                #expect(response.status == .ok)
            }
            _ = try await live.waitForInteractions(count: 52)
            let browser = UIBrowser(live)
            let page = expectPage(try await browser.get("/ui/logs"), "logs")
            #expect(page.contains("52 interactions"))
            #expect(allMatches(#"<tr data-id="([0-9a-f-]+)">"#, in: page).count == 50)
            #expect(page.contains(#"data-live-src="/ui/logs/stream?""#))
            #expect(
                page.contains(#"<span id="log-count" data-count="52">52 interactions</span>"#),
                "the live tail counts on from here")
            let next = try #require(firstMatch(#"<a href="([^"]+)" id="next-page">"#, in: page)).replacingOccurrences(
                of: "&amp;", with: "&")
            let laterPage = expectPage(try await browser.get(next), "logs page 2")
            #expect(allMatches(#"<tr data-id="([0-9a-f-]+)">"#, in: laterPage).count == 2)
            #expect(!laterPage.contains("data-live-src"), "the live tail is only on the first page")
            #expect(laterPage.contains("« First"))

            let filtered = expectPage(try await browser.get("/ui/logs?agentId=\(second)"), "filtered")
            #expect(filtered.contains("2 interactions"))
            #expect(allMatches(#"<tr data-id="([0-9a-f-]+)">"#, in: filtered).count == 2)
            #expect(filtered.contains(#"data-live-src="/ui/logs/stream?agentId=\#(second)""#))
            let none = expectPage(try await browser.get("/ui/logs?refused=1"), "refused only")
            #expect(none.contains("0 interactions") && none.contains("No interactions match."))
        }
    }

    @Test("ARCHESTRA_WEB_UI=false serves no page, while the proxy and the JSON API answer")
    func withoutUI() async throws {
        try await withGateway(environment: ["ARCHESTRA_WEB_UI": "false", "BENCHMARK_MOCK_MODE": "true"]) { live in
            for uri in ["/", "/ui/agents", "/ui/costs", "/ui/static/app.css", "/ui/login"] {
                let status = try await live.send(.get, uri).status
                #expect(status == .notFound, "\(uri) answered \(status)")
            }
            #expect(try await live.send(.get, "/api/agents").status == .ok)
            #expect(try await live.sendJSON(.post, "/v1/openai/chat/completions", chatBody()).status == .ok)
        }
        #expect(throws: ConfigError.self) {
            try AppConfig.parse(environment: testEnvironment(upstream: nil, ["ARCHESTRA_WEB_UI": "no"]))
        }
    }
}
