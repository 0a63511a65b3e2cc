import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// Every form the UI posts must carry the CSRF token of the browser that posts it; anything else is 403 and
/// changes nothing.
@Suite("Web UI CSRF", .timeLimit(.minutes(1)))
struct UICSRFTests {
    /// What the forms act on.
    struct Targets {
        var agent: String
        var key: String
        var tool: String
        var trusted: String
        var invocation: String
    }

    static func targets(_ live: LiveGateway) async throws -> Targets {
        let agent = try #require(try await live.createAgent("guarded")["id"]?.stringValue)
        let key = try await live.sendJSON(
            .post, "/api/keys", jsonText([("agentId", .string(agent)), ("name", "k")]), headers: live.adminHeaders)
        let tool = try await live.declareTool(agentId: agent, name: "send_email")
        let trusted = try await live.sendJSON(
            .post, "/api/trusted-data-policies",
            jsonText([
                ("toolId", .string(tool)), ("description", "d"), ("attributePath", "a"), ("operator", "equal"),
                ("value", "v"),
            ]), headers: live.adminHeaders)
        let invocation = try await live.sendJSON(
            .post, "/api/autonomy-policies/tool-invocation",
            jsonText([
                ("toolId", .string(tool)), ("argumentName", "to"), ("operator", "equal"), ("value", "v"),
                ("action", "block_always"),
            ]), headers: live.adminHeaders)
        return Targets(
            agent: agent, key: try #require(try key.json()["id"]?.stringValue), tool: tool,
            trusted: try #require(try trusted.json()["id"]?.stringValue),
            invocation: try #require(try invocation.json()["id"]?.stringValue)
        )
    }

    /// A built-in price's id (the same on every gateway).
    static let gpt4oPrice = BuiltInTokenPrices.price(forModel: "gpt-4o")!.id.uuidString.lowercased()

    /// Every form the UI has, with values that would change something.
    static func forms(_ t: Targets) -> [(uri: String, fields: [(String, String)])] {
        let policy = [
            ("path", "b"), ("operator", "contains"), ("value", "w"), ("action", "block_always"), ("text", "t"),
        ]
        return [
            ("/ui/agents", [("name", "intruder")]),
            ("/ui/agents/\(t.agent)/rename", [("name", "renamed")]),
            ("/ui/agents/\(t.agent)/delete", []),
            ("/ui/agents/\(t.agent)/keys", [("name", "stolen"), ("expiresAt", "")]),
            ("/ui/keys/\(t.key)/revoke", []),
            ("/ui/tools", [("agentId", t.agent), ("name", "planted")]),
            (
                "/ui/tools/\(t.tool)/flags",
                [("dataIsTrustedByDefault", "on"), ("allowUsageWhenUntrustedDataIsPresent", "on")]
            ),
            ("/ui/tools/\(t.tool)/trusted-data-policies", policy),
            ("/ui/trusted-data-policies/\(t.trusted)", policy),
            ("/ui/trusted-data-policies/\(t.trusted)/delete", []),
            ("/ui/tools/\(t.tool)/tool-invocation-policies", policy),
            ("/ui/tool-invocation-policies/\(t.invocation)", policy),
            ("/ui/tool-invocation-policies/\(t.invocation)/delete", []),
            ("/ui/tools/\(t.tool)/test-result", [("sample", "{}")]),
            ("/ui/tools/\(t.tool)/test-call", [("arguments", "{}")]),
            ("/ui/dual-llm", [("enabled", "on"), ("provider", "gemini"), ("model", "m"), ("maxRounds", "3")]),
            ("/ui/agents/\(t.agent)/limits", [("requests_per_minute", "1")]),
            ("/ui/costs/limits", [("tokens_per_day", "1")]),
            ("/ui/costs/prices", [("model", "planted"), ("inputPerMillion", "1"), ("outputPerMillion", "1")]),
            ("/ui/costs/prices/\(Self.gpt4oPrice)", [("inputPerMillion", "0"), ("outputPerMillion", "0")]),
            ("/ui/costs/prices/\(Self.gpt4oPrice)/delete", []),
            ("/ui/logout", []),
        ]
    }

    @Test("open UI: every form without the token, with a wrong one, or with another browser's → 403, nothing changed")
    func openUI() async throws {
        try await withGateway { live in
            let targets = try await Self.targets(live)
            let browser = UIBrowser(live)
            let token = try await browser.csrfToken()
            let other = UIBrowser(live)
            let otherToken = try await other.csrfToken()
            #expect(token != otherToken, "each browser has its own token")
            let before = try await live.adminState()
            for form in Self.forms(targets) {
                let attempts: [(String, String?)] = [
                    ("missing", nil), ("empty", ""), ("wrong", String(repeating: "ab", count: 32)),
                    ("another browser's", otherToken),
                    ("one character off", String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")),
                    ("longer", token + "0"),
                ]
                for (label, csrf) in attempts {
                    let response = try await browser.post(form.uri, form.fields, csrf: csrf)
                    expectGatewayError(response, status: .forbidden, type: "permission_error")
                    #expect(response.status == .forbidden, "\(form.uri) with a \(label) token")
                }
                // The right token without the cookie it belongs to: a forged form on another site cannot send it.
                let cookieless = try await live.send(
                    .post, form.uri, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: UIBrowser.encode([("csrf", token)] + form.fields)
                )
                #expect(cookieless.status == .forbidden, "\(form.uri) without the cookie")
                // A token in the query string is not a form's token.
                let inQuery = try await browser.post(form.uri + "?csrf=\(token)", form.fields, csrf: nil)
                #expect(inQuery.status == .forbidden, "\(form.uri) with the token in the query")
            }
            #expect(try await live.adminState() == before, "no refused form changed anything")

            // The control: the same forms with the right token do change things.
            #expect(try await browser.post("/ui/agents", [("name", "welcome")], csrf: token).status == .seeOther)
            #expect(
                try await browser.post("/ui/agents/\(targets.agent)/rename", [("name", "renamed")], csrf: token).status
                    == .seeOther)
            #expect(try await live.adminState() != before)
        }
    }
}
