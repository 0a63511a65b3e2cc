import ArchestraCore
import Testing

/// Invocation decisions. The argument is missing when the path yields nothing; a `block_always` condition holds
/// when any value satisfies the operator, an allow condition when all do. First rule that applies:
/// 1. arguments not valid JSON → refused `Tool call arguments are not valid JSON`; valid non-object JSON counts as an
///    object without keys;
/// 2. a `block_always` policy, argument present, condition holds → refused with its `reason` if non-empty, else
///    `Policy violation: <argumentName> <operator> <value>`; missing arguments skip block policies;
/// 3. context trusted → allowed;
/// 4. `allowUsageWhenUntrustedDataIsPresent` → allowed;
/// 5. an allow policy whose argument is missing → refused `Missing required argument: <argumentName>`;
/// 6. an allow policy whose condition holds → allowed;
/// 7. refused `Tool invocation blocked: context contains untrusted data`.
/// ("A policy" = the first in creation order.) A tool the agent lacks has no policies and false flags. Allowed calls
/// have reason "".
@Suite("Policy: invocation decisions")
struct PolicyInvocationTests {
    struct InvocationCase: Sendable, CustomTestStringConvertible {
        var name: String
        var tools: [ToolSpec] = [ToolSpec(name: "send_email")]
        var policies: [InvocationSpec] = []
        var toolName = "send_email"
        var arguments: String
        var contextIsTrusted: Bool
        /// nil: allowed (reason ""); otherwise the refusal reason.
        var refusedWith: String?

        var testDescription: String { name }
    }

    static let untrustedDefault = "Tool invocation blocked: context contains untrusted data"

    static let blockEvil = InvocationSpec(
        tool: "send_email", argument: "to", op: .endsWith, value: "@evil.com", action: .blockAlways,
        reason: "No mail to evil.com", createdAt: 10)
    static let allowCorp = InvocationSpec(
        tool: "send_email", argument: "to", op: .endsWith, value: "@corp.com", action: .allowWhenContextIsUntrusted,
        reason: nil, createdAt: 20)

    static let cases: [InvocationCase] = [
        // Rule 1
        InvocationCase(
            name: "1: unparseable arguments → refused, even in a trusted context",
            arguments: #"{"to": "a@corp.com""#, contextIsTrusted: true,
            refusedWith: "Tool call arguments are not valid JSON"),
        InvocationCase(
            name: "1: unparseable arguments → refused, even when the tool allows untrusted context",
            tools: [ToolSpec(name: "send_email", allowUsageWhenUntrustedDataIsPresent: true)],
            arguments: "to=a@corp.com", contextIsTrusted: false,
            refusedWith: "Tool call arguments are not valid JSON"),
        InvocationCase(
            name: "1: empty argument text is not valid JSON",
            arguments: "", contextIsTrusted: true, refusedWith: "Tool call arguments are not valid JSON"),
        InvocationCase(
            name: "1: a valid non-object (array) in a trusted context → allowed",
            arguments: "[1,2]", contextIsTrusted: true, refusedWith: nil),
        InvocationCase(
            name: "1: a non-object counts as an object without keys: [\"x@evil.com\"] has no key 0 → block skipped",
            policies: [InvocationSpec(tool: "send_email", argument: "0", op: .endsWith, value: "@evil.com",
                                      action: .blockAlways, reason: "blocked", createdAt: 0)],
            arguments: #"["x@evil.com"]"#, contextIsTrusted: true, refusedWith: nil),
        InvocationCase(
            name: "1: a non-object (string) counts as an object without keys → allow argument missing",
            policies: [allowCorp], arguments: #""a@corp.com""#, contextIsTrusted: false,
            refusedWith: "Missing required argument: to"),
        // Rule 2
        InvocationCase(
            name: "2: block_always with its reason",
            policies: [blockEvil], arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: false,
            refusedWith: "No mail to evil.com"),
        InvocationCase(
            name: "2: block_always when any one value matches",
            policies: [InvocationSpec(tool: "send_email", argument: "recipients[*]", op: .endsWith, value: "@evil.com",
                                      action: .blockAlways, reason: "External recipient", createdAt: 0)],
            arguments: #"{"recipients":["a@corp.com","b@evil.com","c@corp.com"]}"#, contextIsTrusted: false,
            refusedWith: "External recipient"),
        InvocationCase(
            name: "2: nil reason → Policy violation: <argumentName> <operator> <value>",
            policies: [InvocationSpec(tool: "send_email", argument: "to", op: .endsWith, value: "@evil.com",
                                      action: .blockAlways, reason: nil, createdAt: 0)],
            arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: false,
            refusedWith: "Policy violation: to endsWith @evil.com"),
        InvocationCase(
            name: "2: empty reason → Policy violation text with a path and the regex operator",
            policies: [InvocationSpec(tool: "send_email", argument: "payload.url", op: .regex, value: "^http://",
                                      action: .blockAlways, reason: "", createdAt: 0)],
            arguments: #"{"payload":{"url":"http://plain.example"}}"#, contextIsTrusted: true,
            refusedWith: "Policy violation: payload.url regex ^http://"),
        InvocationCase(
            name: "2: block checked first even when the tool allows untrusted context",
            tools: [ToolSpec(name: "send_email", allowUsageWhenUntrustedDataIsPresent: true)],
            policies: [blockEvil], arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: false,
            refusedWith: "No mail to evil.com"),
        InvocationCase(
            name: "2: block checked first even in a trusted context",
            policies: [blockEvil], arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: true,
            refusedWith: "No mail to evil.com"),
        InvocationCase(
            name: "2: block checked before a matching allow policy",
            policies: [
                allowCorp,
                InvocationSpec(tool: "send_email", argument: "to", op: .contains, value: "ceo", action: .blockAlways,
                               reason: "Never mail the CEO", createdAt: 99),
            ],
            arguments: #"{"to":"ceo@corp.com"}"#, contextIsTrusted: false, refusedWith: "Never mail the CEO"),
        InvocationCase(
            name: "2: the earliest-created matching block gives the reason (listed out of order)",
            policies: [
                InvocationSpec(tool: "send_email", argument: "to", op: .contains, value: "evil", action: .blockAlways,
                               reason: "created later", createdAt: 50),
                InvocationSpec(tool: "send_email", argument: "to", op: .startsWith, value: "x@", action: .blockAlways,
                               reason: "created earlier", createdAt: 5),
            ],
            arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: true, refusedWith: "created earlier"),
        InvocationCase(
            name: "2: a number argument satisfies notEqual",
            policies: [InvocationSpec(tool: "send_email", argument: "priority", op: .notEqual, value: "low",
                                      action: .blockAlways, reason: "Only low priority", createdAt: 0)],
            arguments: #"{"priority":5}"#, contextIsTrusted: true, refusedWith: "Only low priority"),
        InvocationCase(
            name: "2: block condition false → falls through to the trusted context",
            policies: [blockEvil], arguments: #"{"to":"a@corp.com"}"#, contextIsTrusted: true, refusedWith: nil),
        InvocationCase(
            name: "2: a missing argument skips the block policy (trusted → allowed)",
            policies: [InvocationSpec(tool: "send_email", argument: "cc", op: .notEqual, value: "x",
                                      action: .blockAlways, reason: "no cc", createdAt: 0)],
            arguments: #"{"to":"a@corp.com"}"#, contextIsTrusted: true, refusedWith: nil),
        InvocationCase(
            name: "2: a missing argument skips the block policy (untrusted → default refusal, not the block reason)",
            policies: [InvocationSpec(tool: "send_email", argument: "cc", op: .notEqual, value: "x",
                                      action: .blockAlways, reason: "no cc", createdAt: 0)],
            arguments: #"{"to":"a@corp.com"}"#, contextIsTrusted: false, refusedWith: untrustedDefault),
        InvocationCase(
            name: "2: a present null is an argument (notEqual holds) → blocked",
            policies: [InvocationSpec(tool: "send_email", argument: "cc", op: .notEqual, value: "x",
                                      action: .blockAlways, reason: "no cc", createdAt: 0)],
            arguments: #"{"cc":null}"#, contextIsTrusted: true, refusedWith: "no cc"),
        // Rule 3
        InvocationCase(
            name: "3: trusted context, no policies → allowed",
            arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: true, refusedWith: nil),
        InvocationCase(
            name: "3: trusted context → allowed although an allow policy's argument is missing",
            policies: [allowCorp], arguments: "{}", contextIsTrusted: true, refusedWith: nil),
        InvocationCase(
            name: "3: trusted context → allowed although the allow condition fails",
            policies: [allowCorp], arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: true, refusedWith: nil),
        // Rule 4
        InvocationCase(
            name: "4: allowUsageWhenUntrustedDataIsPresent → allowed",
            tools: [ToolSpec(name: "send_email", allowUsageWhenUntrustedDataIsPresent: true)],
            arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: false, refusedWith: nil),
        InvocationCase(
            name: "4: the flag comes before the missing-argument rule",
            tools: [ToolSpec(name: "send_email", allowUsageWhenUntrustedDataIsPresent: true)],
            policies: [allowCorp], arguments: "{}", contextIsTrusted: false, refusedWith: nil),
        // Rule 5
        InvocationCase(
            name: "5: untrusted, allow policy's argument missing → Missing required argument",
            policies: [allowCorp], arguments: #"{"subject":"hi"}"#, contextIsTrusted: false,
            refusedWith: "Missing required argument: to"),
        InvocationCase(
            name: "5: the message names the full path",
            policies: [InvocationSpec(tool: "send_email", argument: "recipients[*].address", op: .endsWith,
                                      value: "@corp.com", action: .allowWhenContextIsUntrusted, reason: nil,
                                      createdAt: 0)],
            arguments: #"{"recipients":[]}"#, contextIsTrusted: false,
            refusedWith: "Missing required argument: recipients[*].address"),
        InvocationCase(
            name: "5 before 6: a missing argument of a later allow policy refuses although an earlier one holds",
            policies: [
                allowCorp,
                InvocationSpec(tool: "send_email", argument: "subject", op: .notContains, value: "password",
                               action: .allowWhenContextIsUntrusted, reason: nil, createdAt: 30),
            ],
            arguments: #"{"to":"a@corp.com"}"#, contextIsTrusted: false,
            refusedWith: "Missing required argument: subject"),
        // Rule 6
        InvocationCase(
            name: "6: untrusted, allow condition holds → allowed",
            policies: [allowCorp], arguments: #"{"to":"a@corp.com"}"#, contextIsTrusted: false, refusedWith: nil),
        InvocationCase(
            name: "6: allow needs all values: all match → allowed",
            policies: [InvocationSpec(tool: "send_email", argument: "recipients[*]", op: .endsWith, value: "@corp.com",
                                      action: .allowWhenContextIsUntrusted, reason: nil, createdAt: 0)],
            arguments: #"{"recipients":["a@corp.com","b@corp.com"]}"#, contextIsTrusted: false, refusedWith: nil),
        InvocationCase(
            name: "6: allow needs all values: one mismatch → default refusal",
            policies: [InvocationSpec(tool: "send_email", argument: "recipients[*]", op: .endsWith, value: "@corp.com",
                                      action: .allowWhenContextIsUntrusted, reason: nil, createdAt: 0)],
            arguments: #"{"recipients":["a@corp.com","b@evil.com"]}"#, contextIsTrusted: false,
            refusedWith: untrustedDefault),
        InvocationCase(
            name: "6: a later allow policy that holds allows after an earlier one fails",
            policies: [
                InvocationSpec(tool: "send_email", argument: "to", op: .equal, value: "boss@corp.com",
                               action: .allowWhenContextIsUntrusted, reason: nil, createdAt: 1),
                allowCorp,
            ],
            arguments: #"{"to":"ann@corp.com"}"#, contextIsTrusted: false, refusedWith: nil),
        InvocationCase(
            name: "6: a present null is not missing; endsWith fails on null → default refusal",
            policies: [allowCorp], arguments: #"{"to":null}"#, contextIsTrusted: false,
            refusedWith: untrustedDefault),
        // Rule 7
        InvocationCase(
            name: "7: untrusted, allow condition fails → default refusal",
            policies: [allowCorp], arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: false,
            refusedWith: untrustedDefault),
        InvocationCase(
            name: "7: untrusted, no policies → default refusal",
            arguments: #"{"to":"a@corp.com"}"#, contextIsTrusted: false, refusedWith: untrustedDefault),
        // Scoping
        InvocationCase(
            name: "scope: a tool the agent lacks, untrusted → default refusal",
            policies: [allowCorp], toolName: "delete_files", arguments: #"{"to":"a@corp.com"}"#,
            contextIsTrusted: false, refusedWith: untrustedDefault),
        InvocationCase(
            name: "scope: a tool the agent lacks, trusted → allowed",
            toolName: "delete_files", arguments: "{}", contextIsTrusted: true, refusedWith: nil),
        InvocationCase(
            name: "scope: another agent's allow flag does not apply",
            tools: [ToolSpec(name: "send_email"),
                    ToolSpec(name: "send_email", agent: PolicyFixtures.agentB, allowUsageWhenUntrustedDataIsPresent: true)],
            arguments: #"{"to":"a@corp.com"}"#, contextIsTrusted: false, refusedWith: untrustedDefault),
        InvocationCase(
            name: "scope: another agent's block policy does not apply",
            policies: [InvocationSpec(tool: "send_email", agent: PolicyFixtures.agentB, argument: "to", op: .contains,
                                      value: "evil", action: .blockAlways, reason: "B blocks", createdAt: 0)],
            arguments: #"{"to":"x@evil.com"}"#, contextIsTrusted: true, refusedWith: nil),
    ]

    @Test("decision", arguments: cases)
    func decision(_ row: InvocationCase) {
        let snapshot = PolicySnapshot.fixture(tools: row.tools, invocation: row.policies)
        let call = NeutralToolCall(id: "call_9", name: row.toolName, argumentsText: row.arguments)
        let decision = InvocationEvaluator.judge(call, contextIsTrusted: row.contextIsTrusted, snapshot: snapshot)
        #expect(decision.allowed == (row.refusedWith == nil))
        #expect(decision.reason == (row.refusedWith ?? ""))
    }

    /// If any call is refused, the first refused one produces the refusal.
    struct JudgeAllCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// (id, arguments) of calls to `send_email`.
        var calls: [(String, String)]
        var allowed: [Bool]
        var firstRefused: String?
        var firstReason: String?

        var testDescription: String { name }
    }

    static let judgeAllCases: [JudgeAllCase] = [
        JudgeAllCase(name: "no calls → nothing refused", calls: [], allowed: [], firstRefused: nil, firstReason: nil),
        JudgeAllCase(
            name: "all allowed → nothing refused",
            calls: [("c1", #"{"to":"a@corp.com"}"#), ("c2", #"{"to":"b@corp.com"}"#)],
            allowed: [true, true], firstRefused: nil, firstReason: nil),
        JudgeAllCase(
            name: "the first refused call is picked, later ones are still judged",
            calls: [("c1", #"{"to":"a@corp.com"}"#), ("c2", #"{"to":"x@evil.com"}"#), ("c3", "not json")],
            allowed: [true, false, false], firstRefused: "c2", firstReason: "Tool invocation blocked: context contains untrusted data"),
        JudgeAllCase(
            name: "an unparseable first call is the refusal",
            calls: [("c1", "{"), ("c2", #"{"to":"x@evil.com"}"#)],
            allowed: [false, false], firstRefused: "c1", firstReason: "Tool call arguments are not valid JSON"),
    ]

    @Test("judgeAll", arguments: judgeAllCases)
    func judgeAll(_ row: JudgeAllCase) {
        let snapshot = PolicySnapshot.fixture(tools: [ToolSpec(name: "send_email")], invocation: [Self.allowCorp])
        let calls = row.calls.map { NeutralToolCall(id: $0.0, name: "send_email", argumentsText: $0.1) }
        let judged = InvocationEvaluator.judgeAll(calls, contextIsTrusted: false, snapshot: snapshot)
        #expect(judged.decisions.map(\.allowed) == row.allowed)
        #expect(judged.decisions.filter(\.allowed).allSatisfy { $0.reason.isEmpty })
        #expect(judged.firstRefused?.call.id == row.firstRefused)
        #expect(judged.firstRefused?.reason == row.firstReason)
    }
}
