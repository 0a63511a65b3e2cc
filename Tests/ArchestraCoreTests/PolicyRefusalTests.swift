import ArchestraCore
import Testing

/// The refusal text: `N` = tool name, `R` = reason, `A` = the arguments re-serialized as compact JSON (no whitespace,
/// keys in original order, numbers in shortest form, only `"`, `\` and control characters escaped — `/` and
/// non-ASCII written as is); for unparseable arguments, the raw argument text.
///
///     CONTENT = "\nI tried to invoke the N tool with the following arguments: A.\n\nHowever, I was denied by a tool invocation policy:\n\nR"
///     REFUSAL = "\n<archestra-tool-name>N</archestra-tool-name>\n<archestra-tool-arguments>A</archestra-tool-arguments>\n<archestra-tool-reason>R</archestra-tool-reason>\n" + CONTENT
@Suite("Policy: refusal text")
struct PolicyRefusalTests {
    /// The two templates above, written out by hand.
    static func content(_ n: String, _ a: String, _ r: String) -> String {
        "\nI tried to invoke the \(n) tool with the following arguments: \(a).\n\nHowever, I was denied by a tool invocation policy:\n\n\(r)"
    }

    static func refusal(_ n: String, _ a: String, _ r: String) -> String {
        "\n<archestra-tool-name>\(n)</archestra-tool-name>\n<archestra-tool-arguments>\(a)</archestra-tool-arguments>\n<archestra-tool-reason>\(r)</archestra-tool-reason>\n"
            + content(n, a, r)
    }

    struct ArgumentsCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// `function.arguments` as the model sent it.
        var arguments: String
        /// `A`.
        var quoted: String

        var testDescription: String { name }
    }

    static let argumentCases: [ArgumentsCase] = [
        ArgumentsCase(
            name: "compact: whitespace removed", arguments: "{ \"to\" : \"a@b.com\" ,\n  \"n\" : [ 1 , 2 ] }",
            quoted: #"{"to":"a@b.com","n":[1,2]}"#),
        ArgumentsCase(name: "keys keep their original order", arguments: #"{"z":1,"a":2,"m":3}"#, quoted: #"{"z":1,"a":2,"m":3}"#),
        ArgumentsCase(name: "1.0 → 1", arguments: #"{"x":1.0}"#, quoted: #"{"x":1}"#),
        ArgumentsCase(name: "1.50 → 1.5", arguments: #"{"x":1.50}"#, quoted: #"{"x":1.5}"#),
        ArgumentsCase(name: "1E3 → 1000", arguments: #"{"x":1E3}"#, quoted: #"{"x":1000}"#),
        ArgumentsCase(name: "0.000001 stays 0.000001", arguments: #"{"x":0.000001}"#, quoted: #"{"x":0.000001}"#),
        ArgumentsCase(name: "1e-6 → 0.000001", arguments: #"{"x":1e-6}"#, quoted: #"{"x":0.000001}"#),
        ArgumentsCase(name: "1e-7 stays 1e-7", arguments: #"{"x":1e-7}"#, quoted: #"{"x":1e-7}"#),
        ArgumentsCase(name: "1e20 → 100000000000000000000", arguments: #"{"x":1e20}"#, quoted: #"{"x":100000000000000000000}"#),
        ArgumentsCase(name: "1e21 → 1e+21", arguments: #"{"x":1e21}"#, quoted: #"{"x":1e+21}"#),
        ArgumentsCase(name: "-0.0 → 0", arguments: #"{"x":-0.0}"#, quoted: #"{"x":0}"#),
        ArgumentsCase(name: "-2.5E+2 → -250", arguments: #"{"x":-2.5E+2}"#, quoted: #"{"x":-250}"#),
        ArgumentsCase(name: "0.1 stays 0.1", arguments: #"{"x":0.1}"#, quoted: #"{"x":0.1}"#),
        ArgumentsCase(
            name: "an integer beyond double precision → its shortest double digits",
            arguments: #"{"x":123456789012345678901}"#, quoted: #"{"x":123456789012345680000}"#),
        ArgumentsCase(name: "5e-324 stays 5e-324", arguments: #"{"x":5e-324}"#, quoted: #"{"x":5e-324}"#),
        ArgumentsCase(
            name: "the largest double → 1.7976931348623157e+308", arguments: #"{"x":1.7976931348623157E308}"#,
            quoted: #"{"x":1.7976931348623157e+308}"#),
        ArgumentsCase(name: "1e2 → 100", arguments: #"{"x":1e2}"#, quoted: #"{"x":100}"#),
        ArgumentsCase(name: "123e-20 → 1.23e-18", arguments: #"{"x":123e-20}"#, quoted: #"{"x":1.23e-18}"#),
        ArgumentsCase(name: "/ written as is", arguments: #"{"url":"https://a.io/x"}"#, quoted: #"{"url":"https://a.io/x"}"#),
        ArgumentsCase(name: "escaped \\/ re-written as /", arguments: #"{"url":"https:\/\/a.io"}"#, quoted: #"{"url":"https://a.io"}"#),
        ArgumentsCase(name: "non-ASCII written as is", arguments: #"{"name":"Zoë 日本 😀"}"#, quoted: #"{"name":"Zoë 日本 😀"}"#),
        ArgumentsCase(
            name: "\\u escapes of non-ASCII written as the characters",
            arguments: #"{"name":"Zo\u00eb \ud83d\ude00"}"#, quoted: #"{"name":"Zoë 😀"}"#),
        ArgumentsCase(
            name: "only \", \\ and control characters escaped",
            arguments: #"{"s":"a\"b\\c\nd\te\u0001f\u007f'<>&"}"#, quoted: "{\"s\":\"a\\\"b\\\\c\\nd\\te\\u0001f\u{7f}'<>&\"}"),
        ArgumentsCase(name: "literals and nesting", arguments: #"{"a":[true,false,null,{},[]]}"#, quoted: #"{"a":[true,false,null,{},[]]}"#),
        ArgumentsCase(name: "a non-object is quoted as itself", arguments: "[ 1 , \"x\" ]", quoted: #"[1,"x"]"#),
        ArgumentsCase(name: "unparseable: the raw text", arguments: #"{"to": "a@b.com""#, quoted: #"{"to": "a@b.com""#),
        ArgumentsCase(name: "unparseable: the raw text keeps its whitespace", arguments: " to = x ", quoted: " to = x "),
        ArgumentsCase(name: "unparseable: empty text", arguments: "", quoted: ""),
    ]

    @Test("arguments re-serialization (A)", arguments: argumentCases)
    func arguments(_ row: ArgumentsCase) {
        let call = NeutralToolCall(id: "call_1", name: "send_email", argumentsText: row.arguments)
        let refusal = Refusal(call: call, reason: "R")
        #expect(refusal.arguments == row.quoted)
        #expect(refusal.content == Self.content("send_email", row.quoted, "R"))
        #expect(refusal.refusal == Self.refusal("send_email", row.quoted, "R"))
    }

    struct TextCase: Sendable, CustomTestStringConvertible {
        var name: String
        var tool: String
        var arguments: String
        var reason: String
        var content: String
        var refusal: String

        var testDescription: String { name }
    }

    /// Spelled out in full, so a reader can compare them with the templates character by character.
    static let textCases: [TextCase] = [
        TextCase(
            name: "untrusted context refusal",
            tool: "send_email", arguments: #"{"to": "x@evil.com", "subject": "hi"}"#,
            reason: "Tool invocation blocked: context contains untrusted data",
            content: "\nI tried to invoke the send_email tool with the following arguments: {\"to\":\"x@evil.com\",\"subject\":\"hi\"}.\n\nHowever, I was denied by a tool invocation policy:\n\nTool invocation blocked: context contains untrusted data",
            refusal: "\n<archestra-tool-name>send_email</archestra-tool-name>\n<archestra-tool-arguments>{\"to\":\"x@evil.com\",\"subject\":\"hi\"}</archestra-tool-arguments>\n<archestra-tool-reason>Tool invocation blocked: context contains untrusted data</archestra-tool-reason>\n\nI tried to invoke the send_email tool with the following arguments: {\"to\":\"x@evil.com\",\"subject\":\"hi\"}.\n\nHowever, I was denied by a tool invocation policy:\n\nTool invocation blocked: context contains untrusted data"),
        TextCase(
            name: "unparseable arguments quoted raw",
            tool: "run", arguments: "{bad",
            reason: "Tool call arguments are not valid JSON",
            content: "\nI tried to invoke the run tool with the following arguments: {bad.\n\nHowever, I was denied by a tool invocation policy:\n\nTool call arguments are not valid JSON",
            refusal: "\n<archestra-tool-name>run</archestra-tool-name>\n<archestra-tool-arguments>{bad</archestra-tool-arguments>\n<archestra-tool-reason>Tool call arguments are not valid JSON</archestra-tool-reason>\n\nI tried to invoke the run tool with the following arguments: {bad.\n\nHowever, I was denied by a tool invocation policy:\n\nTool call arguments are not valid JSON"),
        TextCase(
            name: "policy violation with shortest numbers",
            tool: "transfer", arguments: #"{"amount":1.0E3,"to":"acct/9"}"#,
            reason: "Policy violation: amount notEqual 0",
            content: "\nI tried to invoke the transfer tool with the following arguments: {\"amount\":1000,\"to\":\"acct/9\"}.\n\nHowever, I was denied by a tool invocation policy:\n\nPolicy violation: amount notEqual 0",
            refusal: "\n<archestra-tool-name>transfer</archestra-tool-name>\n<archestra-tool-arguments>{\"amount\":1000,\"to\":\"acct/9\"}</archestra-tool-arguments>\n<archestra-tool-reason>Policy violation: amount notEqual 0</archestra-tool-reason>\n\nI tried to invoke the transfer tool with the following arguments: {\"amount\":1000,\"to\":\"acct/9\"}.\n\nHowever, I was denied by a tool invocation policy:\n\nPolicy violation: amount notEqual 0"),
    ]

    @Test("CONTENT and REFUSAL", arguments: textCases)
    func text(_ row: TextCase) {
        let refusal = Refusal(call: NeutralToolCall(id: "c", name: row.tool, argumentsText: row.arguments), reason: row.reason)
        #expect(refusal.content == row.content)
        #expect(refusal.refusal == row.refusal)
    }

    /// A blocked result's content becomes `[Content blocked by policy: <reason>]`.
    @Test("redaction text")
    func redaction() {
        #expect(
            TrustEvaluator.redactionText(reason: "Data blocked by policy: Block hacker emails")
                == "[Content blocked by policy: Data blocked by policy: Block hacker emails]")
    }
}
