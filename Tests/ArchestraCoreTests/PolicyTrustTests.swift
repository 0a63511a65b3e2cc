import ArchestraCore
import Testing

/// Trust verdicts — the first rule that applies:
/// 1. no tool name → untrusted `No matching tool call found for tool result <toolCallId> - data is untrusted`;
/// 2. a `block_always` policy where any extracted value satisfies the operator → blocked,
///    `Data blocked by policy: <description>`;
/// 3. a `mark_as_trusted` policy whose values are non-empty and all satisfy it → trusted,
///    `Data trusted by policy: <description>`;
/// 4. `dataIsTrustedByDefault` → trusted, `Tool <name> is configured to trust data by default`;
/// 5. untrusted, `Data does not match any trust policies - considered untrusted` if the tool has any trusted-data
///    policy, else `No trust policy defined for tool <name> - data is untrusted by default`.
/// "A policy" means the first matching one in creation order. Policies and flags are found by (agent, tool name);
/// a tool the agent lacks has no policies and false flags.
@Suite("Policy: trust verdicts")
struct PolicyTrustTests {
    struct TrustCase: Sendable, CustomTestStringConvertible {
        var name: String
        var tools: [ToolSpec] = [ToolSpec(name: "get_emails")]
        var policies: [TrustedSpec] = []
        /// The result's tool name; nil when no tool call matched.
        var toolName: String? = "get_emails"
        var toolCallId = "call_1"
        /// The result's value as JSON text, or a raw string when `raw` is set.
        var value: String = "{}"
        var raw: String? = nil
        var verdict: TrustVerdict
        var reason: String

        var testDescription: String { name }
    }

    static let hackerBlock = TrustedSpec(
        tool: "get_emails", path: "emails[*].from", op: .contains, value: "hacker", action: .blockAlways,
        description: "Block hacker emails", createdAt: 10)
    static let corpTrust = TrustedSpec(
        tool: "get_emails", path: "emails[*].from", op: .endsWith, value: "@corp.com", action: .markAsTrusted,
        description: "Corp senders", createdAt: 5)
    static let twoCorpEmails = #"{"emails":[{"from":"ann@corp.com"},{"from":"bob@corp.com"}]}"#
    static let hackerAtCorp = #"{"emails":[{"from":"ann@corp.com"},{"from":"hacker@corp.com"}]}"#

    static let cases: [TrustCase] = [
        // Rule 1
        TrustCase(
            name: "1: no tool name → untrusted with the call id in the reason", toolName: nil, toolCallId: "call_x9",
            verdict: .untrusted, reason: "No matching tool call found for tool result call_x9 - data is untrusted"),
        TrustCase(
            name: "1: no tool name wins over every policy and flag",
            tools: [ToolSpec(name: "get_emails", dataIsTrustedByDefault: true)], policies: [corpTrust],
            toolName: nil, value: twoCorpEmails,
            verdict: .untrusted, reason: "No matching tool call found for tool result call_1 - data is untrusted"),
        // Rule 2
        TrustCase(
            name: "2: block_always when any one value matches",
            policies: [hackerBlock], value: #"{"emails":[{"from":"a@corp.com"},{"from":"hacker@evil.com"}]}"#,
            verdict: .blocked, reason: "Data blocked by policy: Block hacker emails"),
        TrustCase(
            name: "2: block_always wins over a matching, earlier-created mark_as_trusted",
            policies: [corpTrust, hackerBlock], value: hackerAtCorp,
            verdict: .blocked, reason: "Data blocked by policy: Block hacker emails"),
        TrustCase(
            name: "2: block_always wins over dataIsTrustedByDefault",
            tools: [ToolSpec(name: "get_emails", dataIsTrustedByDefault: true)], policies: [hackerBlock],
            value: #"{"emails":[{"from":"hacker@x"}]}"#,
            verdict: .blocked, reason: "Data blocked by policy: Block hacker emails"),
        TrustCase(
            name: "2: the earliest-created matching block policy names the reason",
            policies: [
                TrustedSpec(tool: "get_emails", path: "subject", op: .contains, value: "urgent", action: .blockAlways,
                            description: "Later block", createdAt: 20),
                TrustedSpec(tool: "get_emails", path: "subject", op: .regex, value: "^URGENT", action: .blockAlways,
                            description: "Does not match", createdAt: 1),
                TrustedSpec(tool: "get_emails", path: "subject", op: .startsWith, value: "urg", action: .blockAlways,
                            description: "Earlier block", createdAt: 2),
            ],
            value: #"{"subject":"urgent: wire money"}"#,
            verdict: .blocked, reason: "Data blocked by policy: Earlier block"),
        TrustCase(
            name: "2: block_always on a present null (notEqual holds for null)",
            policies: [TrustedSpec(tool: "get_emails", path: "sender", op: .notEqual, value: "ann", action: .blockAlways,
                                   description: "Unknown sender", createdAt: 0)],
            value: #"{"sender":null}"#,
            verdict: .blocked, reason: "Data blocked by policy: Unknown sender"),
        TrustCase(
            name: "2: a missing path never blocks",
            policies: [TrustedSpec(tool: "get_emails", path: "sender", op: .notEqual, value: "ann", action: .blockAlways,
                                   description: "Unknown sender", createdAt: 0)],
            value: #"{"from":"eve"}"#,
            verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted"),
        // Rule 3
        TrustCase(
            name: "3: mark_as_trusted when every value matches",
            policies: [corpTrust, hackerBlock], value: twoCorpEmails,
            verdict: .trusted, reason: "Data trusted by policy: Corp senders"),
        TrustCase(
            name: "3: one mismatching value → not trusted by that policy",
            policies: [corpTrust], value: #"{"emails":[{"from":"ann@corp.com"},{"from":"eve@evil.com"}]}"#,
            verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted"),
        TrustCase(
            name: "3: no extracted values → not trusted, even with a vacuously true notEqual",
            policies: [TrustedSpec(tool: "get_emails", path: "status", op: .notEqual, value: "bad",
                                   action: .markAsTrusted, description: "Not bad", createdAt: 0)],
            value: #"{"other":1}"#,
            verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted"),
        TrustCase(
            name: "3: [*] over an empty array yields no values → untrusted",
            policies: [corpTrust], value: #"{"emails":[]}"#,
            verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted"),
        TrustCase(
            name: "3: a number satisfies notEqual, so it can be trusted",
            policies: [TrustedSpec(tool: "get_emails", path: "status", op: .notEqual, value: "error",
                                   action: .markAsTrusted, description: "No error", createdAt: 0)],
            value: #"{"status":200}"#,
            verdict: .trusted, reason: "Data trusted by policy: No error"),
        TrustCase(
            name: "3: boolean true does not equal \"true\"",
            policies: [TrustedSpec(tool: "get_emails", path: "response.data.user.verified", op: .equal, value: "true",
                                   action: .markAsTrusted, description: "Verified user", createdAt: 0)],
            value: #"{"response":{"data":{"user":{"verified":true}}}}"#,
            verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted"),
        TrustCase(
            name: "3: string \"true\" equals \"true\"",
            policies: [TrustedSpec(tool: "get_emails", path: "response.data.user.verified", op: .equal, value: "true",
                                   action: .markAsTrusted, description: "Verified user", createdAt: 0)],
            value: #"{"response":{"data":{"user":{"verified":"true"}}}}"#,
            verdict: .trusted, reason: "Data trusted by policy: Verified user"),
        TrustCase(
            name: "3: the earliest-created matching mark policy names the reason (listed out of order)",
            policies: [
                TrustedSpec(tool: "get_emails", path: "source", op: .equal, value: "internal", action: .markAsTrusted,
                            description: "Created second", createdAt: 30),
                TrustedSpec(tool: "get_emails", path: "source", op: .startsWith, value: "int", action: .markAsTrusted,
                            description: "Created first", createdAt: 10),
            ],
            value: #"{"source":"internal"}"#,
            verdict: .trusted, reason: "Data trusted by policy: Created first"),
        TrustCase(
            name: "3: an earlier non-matching mark policy is skipped",
            policies: [
                TrustedSpec(tool: "get_emails", path: "source", op: .equal, value: "partner", action: .markAsTrusted,
                            description: "Partner", createdAt: 1),
                TrustedSpec(tool: "get_emails", path: "source", op: .equal, value: "internal", action: .markAsTrusted,
                            description: "Internal", createdAt: 2),
            ],
            value: #"{"source":"internal"}"#,
            verdict: .trusted, reason: "Data trusted by policy: Internal"),
        TrustCase(
            name: "3: top-level [*] over an array result",
            policies: [TrustedSpec(tool: "get_emails", path: "[*].source", op: .equal, value: "internal",
                                   action: .markAsTrusted, description: "All internal", createdAt: 0)],
            value: #"[{"source":"internal"},{"source":"internal"}]"#,
            verdict: .trusted, reason: "Data trusted by policy: All internal"),
        TrustCase(
            name: "3: a raw string has no keys → no values → untrusted",
            policies: [TrustedSpec(tool: "get_emails", path: "from", op: .endsWith, value: "@corp.com",
                                   action: .markAsTrusted, description: "Corp", createdAt: 0)],
            raw: "from: ann@corp.com",
            verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted"),
        // Rule 4
        TrustCase(
            name: "4: dataIsTrustedByDefault without policies",
            tools: [ToolSpec(name: "get_emails", dataIsTrustedByDefault: true)], value: #"{"anything":1}"#,
            verdict: .trusted, reason: "Tool get_emails is configured to trust data by default"),
        TrustCase(
            name: "4: dataIsTrustedByDefault when no policy matches",
            tools: [ToolSpec(name: "get_emails", dataIsTrustedByDefault: true)], policies: [corpTrust, hackerBlock],
            value: #"{"emails":[{"from":"eve@evil.com"}]}"#,
            verdict: .trusted, reason: "Tool get_emails is configured to trust data by default"),
        TrustCase(
            name: "4: a matching mark policy comes before the default flag",
            tools: [ToolSpec(name: "get_emails", dataIsTrustedByDefault: true)], policies: [corpTrust],
            value: twoCorpEmails,
            verdict: .trusted, reason: "Data trusted by policy: Corp senders"),
        // Rule 5
        TrustCase(
            name: "5: no policies at all → untrusted by default",
            value: twoCorpEmails,
            verdict: .untrusted, reason: "No trust policy defined for tool get_emails - data is untrusted by default"),
        TrustCase(
            name: "5: only non-matching block policies still count as trust policies",
            policies: [hackerBlock], value: twoCorpEmails,
            verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted"),
        // Scoping: (agent, tool name)
        TrustCase(
            name: "scope: a tool the agent lacks has no policies and false flags",
            policies: [corpTrust], toolName: "read_file", value: twoCorpEmails,
            verdict: .untrusted, reason: "No trust policy defined for tool read_file - data is untrusted by default"),
        TrustCase(
            name: "scope: another tool's policies do not apply",
            tools: [ToolSpec(name: "get_emails"), ToolSpec(name: "search_web")], policies: [corpTrust],
            toolName: "search_web", value: twoCorpEmails,
            verdict: .untrusted, reason: "No trust policy defined for tool search_web - data is untrusted by default"),
        TrustCase(
            name: "scope: another agent's same-named tool's policies do not apply",
            tools: [ToolSpec(name: "get_emails"), ToolSpec(name: "get_emails", agent: PolicyFixtures.agentB)],
            policies: [TrustedSpec(tool: "get_emails", agent: PolicyFixtures.agentB, path: "emails[*].from",
                                   op: .endsWith, value: "@corp.com", action: .markAsTrusted, description: "B's policy",
                                   createdAt: 0)],
            value: twoCorpEmails,
            verdict: .untrusted, reason: "No trust policy defined for tool get_emails - data is untrusted by default"),
        TrustCase(
            name: "scope: another agent's block policy does not block",
            tools: [ToolSpec(name: "get_emails")],
            policies: [TrustedSpec(tool: "get_emails", agent: PolicyFixtures.agentB, path: "emails[*].from",
                                   op: .contains, value: "hacker", action: .blockAlways, description: "B's block",
                                   createdAt: 0)],
            value: #"{"emails":[{"from":"hacker@x"}]}"#,
            verdict: .untrusted, reason: "No trust policy defined for tool get_emails - data is untrusted by default"),
        TrustCase(
            name: "scope: another agent's dataIsTrustedByDefault flag does not apply",
            tools: [ToolSpec(name: "get_emails"), ToolSpec(name: "get_emails", agent: PolicyFixtures.agentB,
                                                           dataIsTrustedByDefault: true)],
            value: "{}",
            verdict: .untrusted, reason: "No trust policy defined for tool get_emails - data is untrusted by default"),
    ]

    @Test("verdict", arguments: cases)
    func verdict(_ row: TrustCase) {
        let snapshot = PolicySnapshot.fixture(tools: row.tools, trusted: row.policies)
        let value = row.raw.map(JSONValue.string) ?? PolicyFixtures.json(row.value)
        let result = NeutralToolResult(toolCallId: row.toolCallId, toolName: row.toolName, value: value)
        let judgement = TrustEvaluator.judge(result, snapshot: snapshot)
        #expect(judgement.verdict == row.verdict)
        #expect(judgement.reason == row.reason)
    }

    /// The context is trusted iff every tool result is trusted (none → trusted). Blocked counts as untrusted.
    struct ContextCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// (tool name, value JSON) per result.
        var results: [(String?, String)]
        var trusted: Bool
        var verdicts: [TrustVerdict]

        var testDescription: String { name }
    }

    static let contextCases: [ContextCase] = [
        ContextCase(name: "no results → trusted", results: [], trusted: true, verdicts: []),
        ContextCase(name: "one trusted result → trusted", results: [("internal_db", "{}")], trusted: true, verdicts: [.trusted]),
        ContextCase(
            name: "all trusted → trusted", results: [("internal_db", "1"), ("internal_db", "2")], trusted: true,
            verdicts: [.trusted, .trusted]),
        ContextCase(
            name: "one untrusted → untrusted", results: [("internal_db", "{}"), ("get_emails", "{}")], trusted: false,
            verdicts: [.trusted, .untrusted]),
        ContextCase(
            name: "blocked counts as untrusted",
            results: [("internal_db", "{}"), ("get_emails", #"{"emails":[{"from":"hacker@x"}]}"#)], trusted: false,
            verdicts: [.trusted, .blocked]),
        ContextCase(
            name: "a result without a tool name → untrusted", results: [("internal_db", "{}"), (nil, "{}")],
            trusted: false, verdicts: [.trusted, .untrusted]),
    ]

    @Test("context judgement", arguments: contextCases)
    func context(_ row: ContextCase) {
        let snapshot = PolicySnapshot.fixture(
            tools: [ToolSpec(name: "get_emails"), ToolSpec(name: "internal_db", dataIsTrustedByDefault: true)],
            trusted: [Self.hackerBlock])
        let results = row.results.enumerated().map { index, pair in
            NeutralToolResult(toolCallId: "call_\(index)", toolName: pair.0, value: PolicyFixtures.json(pair.1))
        }
        let context = ContextJudgement(results: results, snapshot: snapshot)
        #expect(context.contextIsTrusted == row.trusted)
        #expect(context.judgements.map(\.verdict) == row.verdicts)
        #expect(context.verdicts().map(\.verdict) == row.verdicts.map(\.rawValue))
        #expect(context.verdicts().map(\.toolCallId) == results.map(\.toolCallId))
    }
}
