import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// Whatever a client, a provider or an operator stores is shown as text: hostile strings in every place the
/// proxy, the admin API and the store take them appear escaped on every page, and no page gains markup.
@Suite("Web UI escaping", .timeLimit(.minutes(1)))
struct UIEscapingTests {
    /// Markup that would run or change a page if it were written unescaped; short enough for a user id header.
    static let parts = [
        "<script>alert('x1')</script>", "<img src=x onerror=alert('x2')>", #"<a href="javascript:alert('x3')">x3</a>"#,
        #""><svg onload=alert('x4')>"#, "'><b onmouseover=alert(5)>", "</textarea></title><script>alert(6)</script>",
        "{{csrf}}&amp;",
    ]
    static let hostile = parts.joined(separator: " ")
    static let escaped = htmlEscaped(hostile)

    @Test("hostile strings from the proxy, the admin API and the store are escaped on every page")
    func everyPage() async throws {
        #expect(Self.hostile.unicodeScalars.count <= 256, "fits a user id")
        try await withUpstreamAndGateway { fake, live in
            let agent = try #require(try await live.createAgent(Self.hostile)["id"]?.stringValue)
            let apiTool = try await live.declareTool(
                agentId: agent, name: "api " + Self.hostile.prefix(200), description: Self.hostile)
            _ = try await live.sendJSON(
                .post, "/api/keys", jsonText([("agentId", .string(agent)), ("name", .string(Self.hostile))]))
            #expect(
                try await live.sendJSON(
                    .post, "/api/trusted-data-policies",
                    jsonText([
                        ("toolId", .string(apiTool)), ("description", .string(Self.hostile)),
                        ("attributePath", "emails[*].from"),
                        ("operator", "contains"), ("value", .string(Self.hostile)),
                    ])
                ).status == .ok)
            #expect(
                try await live.sendJSON(
                    .post, "/api/autonomy-policies/tool-invocation",
                    jsonText([
                        ("toolId", .string(apiTool)), ("argumentName", "to"), ("operator", "contains"),
                        ("value", .string(Self.hostile)),
                        ("action", "block_always"), ("reason", .string(Self.hostile)),
                    ])
                ).status == .ok)
            let config = try #require(try await live.getJSON("/api/dual-llm-config/default")["id"]?.stringValue)
            #expect(
                try await live.sendJSON(
                    .put, "/api/dual-llm-config/\(config)",
                    jsonText([
                        ("model", .string(Self.hostile)), ("mainAgentPrompt", .string(Self.hostile)),
                        ("summaryPrompt", .string(Self.hostile)),
                    ])
                ).status == .ok)

            // Tainted by the e-mail: the hostile call is refused, and the refusal quotes it. Then a clean one: the
            // hostile reply passes as it came.
            let refused = try await Self.proxy(fake, live, agent: agent, toolResult: true, expected: 1)
            let interaction = try await Self.proxy(fake, live, agent: agent, toolResult: false, expected: 2)
            let agentUUID = try #require(UUID(uuidString: agent))
            for toolCallId in ["call_mail", Self.hostile] {
                try await live.gateway.store.insertDualLLMResult(
                    DualLLMResult(
                        id: UUID(), agentId: agentUUID, toolCallId: toolCallId,
                        conversations: [
                            DualLLMMessage(role: "assistant", content: Self.hostile),
                            DualLLMMessage(role: Self.hostile, content: "1"),
                        ],
                        result: Self.hostile, createdAt: Date()
                    ))
            }
            let tools = try await live.getJSON("/api/tools?agentId=\(agent)").arrayValue ?? []
            #expect(tools.count == 3, "the API's tool and the two the request declared: \(tools.map { $0["name"] })")
            let pages =
                [
                    "/", "/?range=week", "/ui/agents", "/ui/agents/\(agent)", "/ui/agents/\(agent)/delete", "/ui/tools",
                    "/ui/tools?agentId=\(agent)",
                ]
                + tools.compactMap { $0["id"]?.stringValue }.map { "/ui/tools/\($0)" }
                + [
                    "/ui/logs", "/ui/logs?q=\(Self.query(Self.hostile))&sessionId=\(Self.query(Self.hostile))",
                    "/ui/logs/\(refused)", "/ui/logs/\(interaction)", "/ui/dual-llm", "/ui/connect",
                ]
            let browser = UIBrowser(live)
            var shown = 0
            for page in pages {
                let html = expectPage(try await browser.get(page), page)
                expectNoInjectedMarkup(html, page)
                if html.contains(Self.escaped) { shown += 1 }
                #expect(!html.contains("x1')</script>"), "\(page): raw script text")
            }
            #expect(shown >= pages.count - 2, "the hostile text is shown, escaped, on (nearly) every page")
            for id in [refused, interaction] {
                let detail = try await browser.get("/ui/logs/\(id)").bodyText
                // The user and system messages, the reply or the refusal, the call, user and session, the Dual LLM.
                #expect(
                    detail.components(separatedBy: Self.escaped).count > 6, "log detail shows the text in many places")
            }

            // Pages rendered from what a form just posted.
            let toolPage = "/ui/tools/\(apiTool)"
            let posted: [(String, [(String, String)], String)] = [
                ("\(toolPage)/test-result", [("sample", Self.hostile)], toolPage),
                (
                    "\(toolPage)/test-result",
                    [
                        (
                            "sample",
                            #"{"emails":[{"from":"\#(Self.hostile.replacingOccurrences(of: "\"", with: "\\\""))"}]}"#
                        )
                    ], toolPage
                ),
                (
                    "\(toolPage)/test-call",
                    [
                        ("arguments", #"{"to":"\#(Self.hostile.replacingOccurrences(of: "\"", with: "\\\""))"}"#),
                        ("untrusted", "on"),
                    ], toolPage
                ),
                (
                    "\(toolPage)/trusted-data-policies",
                    [
                        ("path", "emails["), ("operator", "equal"), ("value", Self.hostile),
                        ("action", "mark_as_trusted"), ("text", Self.hostile),
                    ], toolPage
                ),
                (
                    "\(toolPage)/tool-invocation-policies",
                    [
                        ("path", "to"), ("operator", Self.hostile), ("value", Self.hostile), ("action", "block_always"),
                        ("text", Self.hostile),
                    ], toolPage
                ),
                ("/ui/agents/\(agent)/keys", [("name", Self.hostile), ("expiresAt", "")], "/ui/agents/\(agent)"),
                (
                    "/ui/agents/\(agent)/keys", [("name", Self.hostile), ("expiresAt", Self.hostile)],
                    "/ui/agents/\(agent)"
                ),
                ("/ui/agents/\(agent)/rename", [("name", "")], "/ui/agents/\(agent)"),
                ("/ui/tools", [("agentId", ""), ("name", Self.hostile), ("description", Self.hostile)], "/ui/tools"),
                (
                    "/ui/dual-llm",
                    [
                        ("provider", "openai"), ("model", Self.hostile), ("maxRounds", Self.hostile),
                        ("summaryPrompt", Self.hostile),
                    ], "/ui/dual-llm"
                ),
            ]
            for (uri, fields, from) in posted {
                let response = try await browser.submit(uri, fields, from: from)
                let html = response.bodyText
                #expect(response.status == .ok || response.status == .badRequest, "\(uri): \(response.status)")
                expectSecurityHeaders(response, uri)
                expectNoInjectedMarkup(html, "POST \(uri)")
                #expect(html.contains(Self.escaped), "POST \(uri) shows what was typed, escaped")
            }
            for id in [Self.hostile, "%3Cscript%3Ealert(1)%3C%2Fscript%3E"] {
                for prefix in ["/ui/agents/", "/ui/tools/", "/ui/logs/"] {
                    let uri = prefix + (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id)
                    let response = try await browser.get(uri)
                    expectNoInjectedMarkup(response.bodyText, uri)
                }
            }
        }
    }

    @Test("the live tail's rows are escaped like the page's")
    func liveTail() async throws {
        try await withUpstreamAndGateway { fake, live in
            let agent = try #require(try await live.createAgent(Self.hostile)["id"]?.stringValue)
            try await UILiveTailTests.withStream(live, "/ui/logs/stream") { stream in
                _ = try await stream.head()
                _ = try await Self.proxy(fake, live, agent: agent, toolResult: false, expected: 1)
                let row = try #require(try await stream.rows(count: 1).first).data
                expectNoInjectedMarkup(row, "live row")
                #expect(row.contains(Self.escaped), "the row shows the hostile text: \(row)")
                #expect(HTMLScan.tags(row).first?.name == "tr")
            }
        }
    }

    /// One conversation full of hostile text, answered by the fake provider with a hostile reply and tool call;
    /// returns the interaction's id.
    static func proxy(
        _ fake: FakeUpstream, _ live: LiveGateway, agent: String, toolResult: Bool, expected: Int
    ) async throws -> String {
        let hostileTool = "tool " + hostile.prefix(200)
        let reply: JSONValue = [
            "id": "chatcmpl-x", "object": "chat.completion", "created": 1_760_000_000, "model": .string(hostile),
            "choices": [
                [
                    "index": 0, "finish_reason": "tool_calls",
                    "message": [
                        "role": "assistant", "content": .string(hostile),
                        "tool_calls": [
                            [
                                "id": .string("call_" + hostile), "type": "function",
                                "function": [
                                    "name": .string(hostile),
                                    "arguments": .string(JSONWriter.string(["to": .string(hostile)])),
                                ],
                            ]
                        ],
                    ],
                ]
            ],
        ]
        fake.enqueue(.json(JSONWriter.string(reply)))
        var messages: [JSONValue] = [
            ["role": "system", "content": .string(hostile)], ["role": "user", "content": .string(hostile)],
        ]
        if toolResult {
            messages += [
                [
                    "role": "assistant", "content": .null,
                    "tool_calls": [
                        [
                            "id": "call_mail", "type": "function",
                            "function": [
                                "name": "get_emails", "arguments": .string(JSONWriter.string(["q": .string(hostile)])),
                            ],
                        ]
                    ],
                ],
                [
                    "role": "tool", "tool_call_id": "call_mail",
                    "content": .string(
                        JSONWriter.string(["emails": [["from": .string(hostile), "body": .string(hostile)]]])),
                ],
            ]
        }
        let request: JSONValue = [
            "model": .string(hostile),
            "tools": [
                [
                    "type": "function",
                    "function": [
                        "name": "get_emails", "description": .string(hostile), "parameters": ["type": "object"],
                    ],
                ],
                [
                    "type": "function",
                    "function": [
                        "name": .string(hostileTool), "description": .string(hostile), "parameters": ["type": "object"],
                    ],
                ],
            ],
            "messages": .array(messages),
        ]
        let headers: HTTPFields = [
            .contentType: "application/json", HTTPField.Name("X-Archestra-User-Id")!: hostile,
            HTTPField.Name("X-Archestra-Session-Id")!: hostile,
        ]
        let response = try await live.send(
            .post, "/v1/openai/\(agent)/chat/completions", headers: headers, body: JSONWriter.string(request))
        #expect(response.status == .ok, "\(response.bodyText)")
        let rows = try await live.waitForInteractions(count: expected, agentId: agent)
        return try #require(rows.first?["id"]?.stringValue, "the newest interaction")
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
