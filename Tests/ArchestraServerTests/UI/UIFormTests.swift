import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// Every form of the web UI, posted as a browser posts it (with the page's CSRF token): what it changes through
/// the same services as the admin API, and how a rule it breaks is shown next to the field, with the values kept.
@Suite("Web UI forms", .timeLimit(.minutes(1)))
struct UIFormTests {
    @Test("agents: create, a bad name shown next to its field, rename, delete only after the confirmation page")
    func agents() async throws {
        try await withGateway { live in
            let browser = UIBrowser(live)
            let id = try redirectedId(
                try await browser.submit("/ui/agents", [("name", "Inbox helper")]), prefix: "/ui/agents/")
            #expect(try await live.getJSON("/api/agents/\(id)")["name"] == "Inbox helper")

            let empty = expectPage(
                try await browser.submit("/ui/agents", [("name", "")]), status: .badRequest, "empty name")
            #expect(fieldError(empty, "name") == htmlEscaped("Field 'name' must be a non-empty string"))
            #expect(try await live.getJSON("/api/agents").arrayValue?.count == 1)

            let renamed = try await browser.submit("/ui/agents/\(id)/rename", [("name", "Mailbox helper")])
            #expect(renamed.status == .seeOther && renamed.location == "/ui/agents/\(id)")
            #expect(try await live.getJSON("/api/agents/\(id)")["name"] == "Mailbox helper")
            let badRename = expectPage(
                try await browser.submit("/ui/agents/\(id)/rename", [("name", "")]), status: .badRequest, "bad rename")
            #expect(fieldError(badRename, "name") == htmlEscaped("Field 'name' must be a non-empty string"))
            #expect(badRename.contains("<h1>Mailbox helper</h1>"), "the page still names the agent as stored")
            #expect(try await live.getJSON("/api/agents/\(id)")["name"] == "Mailbox helper")

            let confirm = expectPage(try await browser.get("/ui/agents/\(id)/delete"), "confirmation")
            #expect(confirm.contains(#"<form method="post" action="/ui/agents/\#(id)/delete""#))
            #expect(
                try await live.send(.get, "/api/agents/\(id)").status == .ok, "showing the confirmation deletes nothing"
            )
            let deleted = try await browser.submit("/ui/agents/\(id)/delete")
            #expect(deleted.status == .seeOther && deleted.location == "/ui/agents")
            #expect(try await live.send(.get, "/api/agents/\(id)").status == .notFound)
            #expect(try await browser.submit("/ui/agents/\(id)/delete").status == .notFound, "deleting twice")
        }
    }

    @Test("keys: the secret is shown once, on the page that created it, and works; bad input is refused; revoke")
    func keys() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let agent = try #require(try await live.createAgent("keyed")["id"]?.stringValue)
            let page = "/ui/agents/\(agent)"
            let browser = UIBrowser(live)
            let created = expectPage(
                try await browser.submit("\(page)/keys", [("name", "laptop"), ("expiresAt", "")], from: page),
                "key created")
            let secret = try #require(firstMatch(#"<code id="new-secret">(sk-arch-[^<]+)</code>"#, in: created))
            #expect(created.components(separatedBy: secret).count == 2, "the secret is on the page once")
            #expect(created.contains("it is shown once"))
            let listed = try await live.getJSON("/api/keys?agentId=\(agent)")
            #expect(listed.arrayValue?.count == 1 && !JSONWriter.string(listed).contains(secret))
            let proxied = try await live.send(
                .post, "/v1/openai/chat/completions",
                headers: [.contentType: "application/json", .authorization: "Bearer \(secret)"], body: chatBody()
            )
            #expect(proxied.status == .ok, "the new key works: \(proxied.bodyText)")
            _ = try await live.onlyInteraction(agentId: agent)
            let later = expectPage(try await browser.get(page), "agent page")
            #expect(!later.contains(secret) && later.contains("laptop") && !later.contains("new-secret"))

            let expiring = expectPage(
                try await browser.submit(
                    "\(page)/keys", [("name", "ci"), ("expiresAt", "2099-12-31T23:59")], from: page), "expiring")
            #expect(expiring.contains("2099-12-31 23:59:00"))
            let bad: [([(String, String)], String)] = [
                ([("name", ""), ("expiresAt", "")], "Field 'name' must be 1–256 characters"),
                ([("name", "old"), ("expiresAt", "2001-01-01T00:00")], "Field 'expiresAt' must be in the future"),
                ([("name", "garbage"), ("expiresAt", "tomorrow")], "Expiry must be a date and time"),
                (
                    [("name", String(repeating: "k", count: 257)), ("expiresAt", "")],
                    "Field 'name' must be 1–256 characters"
                ),
            ]
            for (fields, message) in bad {
                let html = expectPage(
                    try await browser.submit("\(page)/keys", fields, from: page), status: .badRequest, message)
                #expect(fieldError(html, "expiresAt") == htmlEscaped(message), "\(fields)")
                #expect(!html.contains("new-secret"), "no secret for a refused key")
                #expect(
                    html.contains(#"name="name" required maxlength="256" value="\#(fields[0].1)""#),
                    "the name typed is kept")
            }
            let keys = try await live.getJSON("/api/keys?agentId=\(agent)").arrayValue ?? []
            #expect(keys.count == 2)

            let keyId = try #require(keys.first { $0["name"] == "laptop" }?["id"]?.stringValue)
            let revoked = try await browser.submit("/ui/keys/\(keyId)/revoke", from: page)
            #expect(revoked.status == .seeOther && revoked.location == page)
            #expect(try await live.getJSON("/api/keys/\(keyId)")["revokedAt"]?.stringValue != nil)
            #expect(expectPage(try await browser.get(page), "after revoke").contains("revoked 20"))
            let refused = try await live.send(
                .post, "/v1/openai/chat/completions",
                headers: [.contentType: "application/json", .authorization: "Bearer \(secret)"], body: chatBody()
            )
            #expect(refused.status == .unauthorized)
        }
    }

    @Test("tools: declare for an agent (errors next to the fields), then the two flags from their checkboxes")
    func tools() async throws {
        try await withGateway { live in
            let agent = try #require(try await live.createAgent("tooled")["id"]?.stringValue)
            let browser = UIBrowser(live)
            let declare = [("agentId", agent), ("name", "send_email"), ("description", "Sends mail")]
            let toolId = try redirectedId(
                try await browser.submit("/ui/tools", declare, from: "/ui/tools"), prefix: "/ui/tools/")
            let tools = try await live.getJSON("/api/tools?agentId=\(agent)").arrayValue ?? []
            #expect(
                tools.count == 1 && tools.first?["name"] == "send_email" && tools.first?["description"] == "Sends mail")
            let again = try await browser.submit("/ui/tools", declare, from: "/ui/tools")
            #expect(again.location == "/ui/tools/\(toolId)", "declaring a name again leads to the same tool")

            let bad: [([(String, String)], String, String)] = [
                ([("agentId", ""), ("name", "x")], "agentId", "Choose an agent"),
                (
                    [("agentId", agent), ("name", "")], "name",
                    "Field 'name' must be 1–256 characters without control characters"
                ),
                (
                    [("agentId", agent), ("name", "bell\u{7}")], "name",
                    "Field 'name' must be 1–256 characters without control characters"
                ),
            ]
            for (fields, field, message) in bad {
                let html = expectPage(
                    try await browser.submit("/ui/tools", fields, from: "/ui/tools"), status: .badRequest, message)
                #expect(fieldError(html, field) == htmlEscaped(message), "\(fields)")
            }
            let gone = UUID().uuidString.lowercased()
            let unknown = expectPage(
                try await browser.submit("/ui/tools", [("agentId", gone), ("name", "x")], from: "/ui/tools"),
                status: .badRequest, "unknown agent")
            #expect(
                unknown.contains(#"role="alert">Agent with ID \#(gone) not found"#),
                "an agent deleted meanwhile is said so")
            #expect(try await live.getJSON("/api/tools").arrayValue?.count == 1, "nothing declared by the failed forms")

            let page = "/ui/tools/\(toolId)"
            let on = try await browser.submit(
                "\(page)/flags", [("dataIsTrustedByDefault", "on"), ("allowUsageWhenUntrustedDataIsPresent", "on")],
                from: page)
            #expect(on.status == .seeOther && on.location == page)
            var tool = try await live.getJSON("/api/tools?agentId=\(agent)").arrayValue?.first
            #expect(tool?["dataIsTrustedByDefault"] == true && tool?["allowUsageWhenUntrustedDataIsPresent"] == true)
            let shown = expectPage(try await browser.get(page), "flags on")
            #expect(
                shown.contains(#"name="dataIsTrustedByDefault" checked"#)
                    && shown.contains(#"name="allowUsageWhenUntrustedDataIsPresent" checked"#))
            _ = try await browser.submit("\(page)/flags", [("dataIsTrustedByDefault", "on")], from: page)
            tool = try await live.getJSON("/api/tools?agentId=\(agent)").arrayValue?.first
            #expect(tool?["dataIsTrustedByDefault"] == true && tool?["allowUsageWhenUntrustedDataIsPresent"] == false)
        }
    }

    @Test("trusted-data policies: create, update, delete; a bad path, regex or choice next to its field, values kept")
    func trustedDataPolicies() async throws {
        try await withGateway { live in
            let (browser, toolId) = try await Self.tool(live)
            let page = "/ui/tools/\(toolId)"
            let good = [
                ("path", "emails[*].from"), ("operator", "endsWith"), ("value", "@company.com"),
                ("action", "mark_as_trusted"), ("text", "Company mail"),
            ]
            let created = try await browser.submit("\(page)/trusted-data-policies", good, from: page)
            #expect(created.status == .seeOther && created.location == page)
            let policies = try await live.getJSON("/api/trusted-data-policies?toolId=\(toolId)").arrayValue ?? []
            let policy = try #require(policies.first)
            #expect(
                policies.count == 1 && policy["attributePath"] == "emails[*].from" && policy["operator"] == "endsWith")
            #expect(
                policy["value"] == "@company.com" && policy["action"] == "mark_as_trusted"
                    && policy["description"] == "Company mail")
            let id = try #require(policy["id"]?.stringValue)
            let shown = try #require(formHTML(expectPage(try await browser.get(page), "tool"), id: "trusted-\(id)"))
            #expect(shown.contains(#"<option value="endsWith" selected>"#) && shown.contains(#"value="@company.com""#))

            try await Self.expectRefusals(
                browser, live, uri: "\(page)/trusted-data-policies", form: "new-trusted", page: page, base: good,
                state: "/api/trusted-data-policies")
            let updated = good.map {
                $0.0 == "value" ? ("value", "@corp.example") : $0.0 == "action" ? ("action", "block_always") : $0
            }
            let saved = try await browser.submit("/ui/trusted-data-policies/\(id)", updated, from: page)
            #expect(saved.status == .seeOther && saved.location == page)
            let after = try await live.getJSON("/api/trusted-data-policies/\(id)")
            #expect(after["value"] == "@corp.example" && after["action"] == "block_always")
            try await Self.expectRefusals(
                browser, live, uri: "/ui/trusted-data-policies/\(id)", form: "trusted-\(id)", page: page, base: updated,
                state: "/api/trusted-data-policies")

            let deleted = try await browser.submit("/ui/trusted-data-policies/\(id)/delete", from: page)
            #expect(deleted.status == .seeOther && deleted.location == page)
            #expect(try await live.getJSON("/api/trusted-data-policies?toolId=\(toolId)") == [])
        }
    }

    @Test(
        "tool-invocation policies: create, update, delete; a bad argument, regex or choice next to its field, values kept"
    )
    func invocationPolicies() async throws {
        try await withGateway { live in
            let (browser, toolId) = try await Self.tool(live)
            let page = "/ui/tools/\(toolId)"
            let good = [
                ("path", "to"), ("operator", "endsWith"), ("value", "@company.com"),
                ("action", "allow_when_context_is_untrusted"), ("text", "Internal mail"),
            ]
            let created = try await browser.submit("\(page)/tool-invocation-policies", good, from: page)
            #expect(created.status == .seeOther && created.location == page)
            let policies =
                try await live.getJSON("/api/autonomy-policies/tool-invocation?toolId=\(toolId)").arrayValue ?? []
            let policy = try #require(policies.first)
            #expect(
                policies.count == 1 && policy["argumentName"] == "to" && policy["operator"] == "endsWith"
                    && policy["reason"] == "Internal mail")
            let id = try #require(policy["id"]?.stringValue)

            let state = "/api/autonomy-policies/tool-invocation"
            try await Self.expectRefusals(
                browser, live, uri: "\(page)/tool-invocation-policies", form: "new-invocation", page: page, base: good,
                state: state)
            let updated = good.map {
                $0.0 == "action" ? ("action", "block_always") : $0.0 == "text" ? ("text", "") : $0
            }
            let saved = try await browser.submit("/ui/tool-invocation-policies/\(id)", updated, from: page)
            #expect(saved.status == .seeOther && saved.location == page)
            let after = try await live.getJSON("/api/autonomy-policies/tool-invocation/\(id)")
            #expect(after["action"] == "block_always" && after["reason"] == .null, "an empty reason is no reason")
            try await Self.expectRefusals(
                browser, live, uri: "/ui/tool-invocation-policies/\(id)", form: "invocation-\(id)", page: page,
                base: updated, state: state)

            let deleted = try await browser.submit("/ui/tool-invocation-policies/\(id)/delete", from: page)
            #expect(deleted.status == .seeOther && deleted.location == page)
            #expect(try await live.getJSON("/api/autonomy-policies/tool-invocation?toolId=\(toolId)") == [])
        }
    }

    @Test("policy tester: a pasted or recent result gets its verdict, a call its decision; nothing is stored")
    func policyTester() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let agent = try #require(try await live.createAgent("tested")["id"]?.stringValue)
            let toolId = try await live.declareTool(agentId: agent, name: "get_emails")
            let page = "/ui/tools/\(toolId)"
            let browser = UIBrowser(live)
            let sample = #"{"emails":[{"from":"boss@company.com","body":"hi"}]}"#
            var html = expectPage(
                try await browser.submit("\(page)/test-result", [("sample", sample)], from: page), "no policy")
            #expect(html.contains(#"Verdict: <span class="badge untrusted">untrusted</span>"#))

            _ = try await browser.submit(
                "\(page)/trusted-data-policies",
                [
                    ("path", "emails[*].from"), ("operator", "endsWith"), ("value", "@company.com"),
                    ("action", "mark_as_trusted"), ("text", "Company"),
                ], from: page)
            let before = try await live.adminState()
            html = expectPage(
                try await browser.submit("\(page)/test-result", [("sample", sample)], from: page), "trusted")
            #expect(html.contains(#"Verdict: <span class="badge trusted">trusted</span>"#))
            #expect(
                html.contains(
                    "<td>Trust: Company</td><td><code>emails[*].from</code></td><td><code>[&quot;boss@company.com&quot;]</code></td><td>yes</td>"
                ))
            #expect(html.contains(htmlEscaped(sample)), "the sample stays in its box")

            // A result the agent really received, picked from the list.
            let request =
                #"{"model":"gpt-4o","messages":[{"role":"user","content":"mail?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_emails","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"{\"emails\":[{\"from\":\"x@evil.example\"}]}"}]}"#
            let proxied = try await live.send(
                .post, "/v1/openai/\(agent)/chat/completions", headers: [.contentType: "application/json"],
                body: request)
            #expect(proxied.status == .ok)
            let interaction = try #require(try await live.onlyInteraction(agentId: agent)["id"]?.stringValue)
            let recentPage = expectPage(try await browser.get(page), "recent")
            #expect(recentPage.contains(#"<option value="\#(interaction):0">"#))
            html = expectPage(
                try await browser.submit(
                    "\(page)/test-result", [("recent", "\(interaction):0"), ("sample", "")], from: page), "recent")
            #expect(html.contains(#"Verdict: <span class="badge untrusted">untrusted</span>"#))
            #expect(html.contains("x@evil.example"), "the recent result fills the sample")

            _ = try await browser.submit(
                "\(page)/tool-invocation-policies",
                [
                    ("path", "folder"), ("operator", "equal"), ("value", "inbox"),
                    ("action", "allow_when_context_is_untrusted"), ("text", ""),
                ], from: page)
            let state = try await live.adminState()
            #expect(state != before, "the policy was written")
            let calls: [([(String, String)], String)] = [
                ([("arguments", #"{"folder":"inbox"}"#), ("untrusted", "on")], "allowed"),
                ([("arguments", #"{"folder":"spam"}"#), ("untrusted", "on")], "refused"),
                ([("arguments", #"{"folder":"spam"}"#)], "allowed"),
            ]
            for (fields, decision) in calls {
                html = expectPage(try await browser.submit("\(page)/test-call", fields, from: page), "call")
                #expect(html.contains(#"Decision: <span class="badge \#(decision)">\#(decision)</span>"#), "\(fields)")
                #expect(html.contains(htmlEscaped(fields[0].1) + "</textarea>"), "the arguments stay in their box")
            }
            #expect(try await live.adminState() == state, "the tester stores nothing")
        }
    }

    @Test("Dual LLM: saved from the form; bad rounds, model or provider shown next to the field, nothing saved")
    func dualLLM() async throws {
        try await withGateway { live in
            let browser = UIBrowser(live)
            let good = [
                ("enabled", "on"), ("provider", "anthropic"), ("model", "claude-x"), ("maxRounds", "7"),
                ("mainAgentPrompt", "Main {{originalUserRequest}}"),
                ("quarantinedAgentPrompt", "Quarantined {{toolResultData}}"),
                ("summaryPrompt", "Summary {{qaText}}"),
            ]
            let saved = try await browser.submit("/ui/dual-llm", good, from: "/ui/dual-llm")
            #expect(saved.status == .seeOther && saved.location == "/ui/dual-llm?saved=1")
            let config = try await live.getJSON("/api/dual-llm-config/default")
            #expect(
                config["enabled"] == true && config["provider"] == "anthropic" && config["model"] == "claude-x"
                    && config["maxRounds"] == 7)
            #expect(
                config["mainAgentPrompt"] == "Main {{originalUserRequest}}"
                    && config["summaryPrompt"] == "Summary {{qaText}}")
            let shown = expectPage(try await browser.get("/ui/dual-llm?saved=1"), "saved")
            #expect(
                shown.contains("Saved.") && shown.contains(#"name="enabled" checked"#)
                    && shown.contains(#"<option value="anthropic" selected>"#))
            #expect(shown.contains("Main {{originalUserRequest}}</textarea>"))

            let bad: [(String, String, String)] = [
                ("maxRounds", "0", "Field 'maxRounds' must be an integer from 1 to 50"),
                ("maxRounds", "51", "Field 'maxRounds' must be an integer from 1 to 50"),
                ("maxRounds", "abc", "Rounds must be a whole number"),
                ("model", "", "Field 'model' must be a non-empty string"),
                ("provider", "mistral", "Choose a provider"),
            ]
            for (field, value, message) in bad {
                let fields = good.map {
                    $0.0 == field
                        ? (field, value) : $0.0 == "model" ? ("model", field == "model" ? value : "typed-model") : $0
                }
                let html = expectPage(
                    try await browser.submit("/ui/dual-llm", fields, from: "/ui/dual-llm"), status: .badRequest,
                    "\(field)=\(value)")
                #expect(fieldError(html, field) == htmlEscaped(message), "\(field)=\(value)")
                #expect(!html.contains("Saved."))
                if field != "model" { #expect(html.contains(#"value="typed-model""#), "what was typed is kept") }
                #expect(
                    try await live.getJSON("/api/dual-llm-config/default") == config,
                    "nothing saved for \(field)=\(value)")
            }

            let off = good.filter { $0.0 != "enabled" }
            #expect(try await browser.submit("/ui/dual-llm", off, from: "/ui/dual-llm").status == .seeOther)
            #expect(
                try await live.getJSON("/api/dual-llm-config/default")["enabled"] == false,
                "an unchecked box turns it off")
        }
    }

    /// An agent with one tool, and a browser.
    static func tool(_ live: LiveGateway) async throws -> (UIBrowser, String) {
        let agent = try #require(try await live.createAgent("policy agent")["id"]?.stringValue)
        return (UIBrowser(live), try await live.declareTool(agentId: agent, name: "send_email"))
    }

    /// A policy form posted with a bad path, a regex that does not compile and an unknown choice: each 400 with
    /// the error next to its field inside the form that was sent, the typed values kept, nothing written.
    static func expectRefusals(
        _ browser: UIBrowser, _ live: LiveGateway, uri: String, form: String, page: String, base: [(String, String)],
        state: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try await live.getJSON(state)
        let cases: [(override: [String: String], field: String, message: String)] = [
            (["path": "emails[", "value": "kept-value"], "path", "must be a non-empty path"),
            (["path": "", "value": "kept-value"], "path", "must be a non-empty path"),
            (["operator": "regex", "value": "(unclosed"], "value", "Invalid regular expression"),
            (["operator": "sortOf", "value": "kept-value"], "text", "Choose a valid operator"),
            (["action": "maybe", "value": "kept-value"], "text", "Choose a valid action"),
        ]
        for item in cases {
            let fields = base.map { (name, value) in (name, item.override[name] ?? value) }
            let html = expectPage(
                try await browser.submit(uri, fields, from: page), status: .badRequest, "\(item.override)",
                sourceLocation: sourceLocation)
            let formText = try #require(
                formHTML(html, id: form), "form \(form) missing", sourceLocation: sourceLocation)
            let error =
                item.field == "text"
                ? firstMatch(#"<span class="error" role="alert">([^<]*)</span>\s*<div class="actions">"#, in: formText)
                : fieldError(formText, item.field)
            #expect(
                error?.contains(htmlEscaped(item.message)) == true,
                "\(item.override): error \(String(describing: error))", sourceLocation: sourceLocation)
            #expect(
                formText.contains(#"value="\#(htmlEscaped(item.override["value"]!))""#), "typed value kept",
                sourceLocation: sourceLocation)
            #expect(
                allMatches(#"(role="alert")"#, in: html).count == 1, "errors only in the form that was sent",
                sourceLocation: sourceLocation)
        }
        #expect(try await live.getJSON(state) == before, "nothing written", sourceLocation: sourceLocation)
    }

    @Test("limits: an agent's and the global ones saved, changed and cleared through the form; a bad value shown by its field")
    func limits() async throws {
        try await withGateway { live in
            let browser = UIBrowser(live)
            let id = try redirectedId(try await browser.submit("/ui/agents", [("name", "Budgeted")]), prefix: "/ui/agents/")
            let saved = try await browser.submit(
                "/ui/agents/\(id)/limits", [("requests_per_minute", "60"), ("tokens_per_day", ""), ("cost_usd_per_day", "2.5"), ("cost_usd_per_month", "")]
            )
            #expect(saved.status == .seeOther && saved.location == "/ui/agents/\(id)#limits")
            let limits = try await live.getJSON("/api/limits?agentId=\(id)").arrayValue ?? []
            #expect(Set(limits.compactMap { $0["kind"]?.stringValue }) == ["requests_per_minute", "cost_usd_per_day"])
            #expect(limits.first { $0["kind"] == "cost_usd_per_day" }?["value"] == .number("2.5"))

            let bad = expectPage(
                try await browser.submit("/ui/agents/\(id)/limits", [("requests_per_minute", "0.5"), ("cost_usd_per_day", "2.5")]),
                status: .badRequest, "bad limit"
            )
            #expect(bad.contains("must be a whole number"), "the error is shown")
            #expect(bad.contains(#"value="0.5""#), "the value typed is kept")
            #expect(try await live.getJSON("/api/limits?agentId=\(id)").arrayValue?.count == 2, "nothing changed")

            _ = try await browser.submit("/ui/agents/\(id)/limits", [("requests_per_minute", "120"), ("cost_usd_per_day", "")])
            let changed = try await live.getJSON("/api/limits?agentId=\(id)").arrayValue ?? []
            #expect(changed.map { $0["value"] } == [120])

            let global = try await browser.submit("/ui/costs/limits", [("tokens_per_day", "1000000")], from: "/ui/costs")
            #expect(global.status == .seeOther && global.location == "/ui/costs#limits")
            let all = try await live.getJSON("/api/limits").arrayValue ?? []
            #expect(all.contains { $0["agentId"] == .null && $0["kind"] == "tokens_per_day" && $0["value"] == 1_000_000 })
        }
    }

    @Test("prices: a built-in price changed and restored, a model added, a bad price shown with its message")
    func prices() async throws {
        try await withGateway { live in
            let browser = UIBrowser(live)
            let prices = try await live.getJSON("/api/token-prices").arrayValue ?? []
            let id = try #require(prices.first { $0["model"] == "gpt-4o" }?["id"]?.stringValue)
            let changed = try await browser.submit(
                "/ui/costs/prices/\(id)", [("inputPerMillion", "5"), ("cachedInputPerMillion", ""), ("outputPerMillion", "12")], from: "/ui/costs"
            )
            #expect(changed.status == .seeOther)
            let price = try await live.getJSON("/api/token-prices/\(id)")
            #expect(price["inputPerMillion"] == 5 && price["outputPerMillion"] == 12 && price["cachedInputPerMillion"] == .null)
            #expect(price["builtIn"] == false)

            let added = try await browser.submit(
                "/ui/costs/prices", [("model", "acme-large"), ("inputPerMillion", "3"), ("outputPerMillion", "15")], from: "/ui/costs"
            )
            #expect(added.status == .seeOther)
            #expect(try await live.getJSON("/api/token-prices").arrayValue?.contains { $0["model"] == "acme-large" } == true)
            let bad = expectPage(
                try await browser.submit("/ui/costs/prices", [("model", "x y"), ("inputPerMillion", "-1"), ("outputPerMillion", "1")], from: "/ui/costs"),
                status: .badRequest, "bad price"
            )
            #expect(bad.contains(#"value="x y""#), "the model typed is kept")
            #expect(bad.contains(#"class="error" role="alert""#))

            #expect(try await browser.submit("/ui/costs/prices/\(id)/delete", from: "/ui/costs").status == .seeOther)
            #expect(try await live.getJSON("/api/token-prices/\(id)")["builtIn"] == true)
        }
    }
}
