import ArchestraCore
import Foundation
import Testing

/// Policy operators, value `v` against the policy's string `p`: only strings can satisfy an operator, except
/// `notEqual`, which every non-string satisfies. Comparisons are exact and case-sensitive; an empty `p` is contained
/// in, starts and ends any string. `regex` matches somewhere (unanchored, case-sensitive, no flags); a regex that
/// does not compile is refused when the policy is written.
@Suite("Policy: operators")
struct PolicyOperatorTests {
    struct OperatorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var op: PolicyOperator
        var pattern: String
        /// `v` as JSON text.
        var value: String
        var expected: Bool

        var testDescription: String { name }
    }

    static let stringCases: [OperatorCase] = [
        OperatorCase(name: "equal: same string", op: .equal, pattern: "abc", value: #""abc""#, expected: true),
        OperatorCase(name: "equal: case-sensitive", op: .equal, pattern: "abc", value: #""ABC""#, expected: false),
        OperatorCase(name: "equal: trailing space differs", op: .equal, pattern: "abc", value: #""abc ""#, expected: false),
        OperatorCase(name: "equal: empty equals empty", op: .equal, pattern: "", value: #""""#, expected: true),
        OperatorCase(
            name: "equal: exact, precomposed é is not e + combining accent", op: .equal, pattern: "\u{E9}",
            value: #""e\u0301""#, expected: false),
        OperatorCase(name: "notEqual: same string", op: .notEqual, pattern: "abc", value: #""abc""#, expected: false),
        OperatorCase(name: "notEqual: other string", op: .notEqual, pattern: "abc", value: #""abd""#, expected: true),
        OperatorCase(name: "notEqual: case-sensitive", op: .notEqual, pattern: "abc", value: #""ABC""#, expected: true),
        OperatorCase(name: "contains: substring", op: .contains, pattern: "lo w", value: #""hello world""#, expected: true),
        OperatorCase(name: "contains: case-sensitive", op: .contains, pattern: "hello", value: #""Hello""#, expected: false),
        OperatorCase(name: "contains: empty pattern in any string", op: .contains, pattern: "", value: #""abc""#, expected: true),
        OperatorCase(name: "contains: empty pattern in empty string", op: .contains, pattern: "", value: #""""#, expected: true),
        OperatorCase(
            name: "contains: exact, e is inside e + combining accent", op: .contains, pattern: "e",
            value: #""cafe\u0301""#, expected: true),
        OperatorCase(name: "contains: longer pattern", op: .contains, pattern: "abcd", value: #""abc""#, expected: false),
        OperatorCase(
            name: "contains: exact, a lone combining accent is inside e + accent", op: .contains, pattern: "\u{301}",
            value: #""cafe\u0301""#, expected: true),
        OperatorCase(
            name: "contains: exact, \n is inside \r\n", op: .contains, pattern: "\n", value: #""a\r\nb""#, expected: true),
        OperatorCase(
            name: "contains: exact, one person inside a ZWJ family emoji", op: .contains, pattern: "\u{1F469}",
            value: #""\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67""#, expected: true),
        OperatorCase(
            name: "notContains: exact, \r is inside \r\n", op: .notContains, pattern: "\r", value: #""a\r\nb""#, expected: false),
        OperatorCase(name: "notContains: absent", op: .notContains, pattern: "xyz", value: #""hello""#, expected: true),
        OperatorCase(name: "notContains: present", op: .notContains, pattern: "ell", value: #""hello""#, expected: false),
        OperatorCase(name: "notContains: case-sensitive", op: .notContains, pattern: "ELL", value: #""hello""#, expected: true),
        OperatorCase(name: "notContains: empty pattern is contained", op: .notContains, pattern: "", value: #""abc""#, expected: false),
        OperatorCase(name: "startsWith: prefix", op: .startsWith, pattern: "https://", value: #""https://x.io""#, expected: true),
        OperatorCase(name: "startsWith: case-sensitive", op: .startsWith, pattern: "https", value: #""HTTPS://x""#, expected: false),
        OperatorCase(name: "startsWith: empty pattern", op: .startsWith, pattern: "", value: #""abc""#, expected: true),
        OperatorCase(name: "startsWith: pattern longer than value", op: .startsWith, pattern: "abcd", value: #""abc""#, expected: false),
        OperatorCase(name: "startsWith: exact, \r starts \r\n", op: .startsWith, pattern: "\r", value: #""\r\nx""#, expected: true),
        OperatorCase(name: "endsWith: exact, e + accent does not end with e", op: .endsWith, pattern: "e", value: #""cafe\u0301""#, expected: false),
        OperatorCase(name: "endsWith: exact, \n ends \r\n", op: .endsWith, pattern: "\n", value: #""x\r\n""#, expected: true),
        OperatorCase(name: "endsWith: suffix", op: .endsWith, pattern: "@corp.com", value: #""ann@corp.com""#, expected: true),
        OperatorCase(name: "endsWith: case-sensitive", op: .endsWith, pattern: "@corp.com", value: #""ann@CORP.com""#, expected: false),
        OperatorCase(name: "endsWith: empty pattern", op: .endsWith, pattern: "", value: #""abc""#, expected: true),
        OperatorCase(name: "endsWith: empty pattern on empty string", op: .endsWith, pattern: "", value: #""""#, expected: true),
        OperatorCase(name: "regex: unanchored, matches somewhere", op: .regex, pattern: "evil", value: #""the evil one""#, expected: true),
        OperatorCase(name: "regex: case-sensitive", op: .regex, pattern: "Evil", value: #""the evil one""#, expected: false),
        OperatorCase(name: "regex: anchors when written", op: .regex, pattern: #"^\d{3}$"#, value: #""1234""#, expected: false),
        OperatorCase(name: "regex: anchored match", op: .regex, pattern: #"^\d{3}$"#, value: #""123""#, expected: true),
        OperatorCase(
            name: "regex: escaped dot and alternation", op: .regex, pattern: #"@(evil|bad)\.com$"#,
            value: #""x@bad.com""#, expected: true),
        OperatorCase(name: "regex: escaped dot is literal", op: .regex, pattern: #"a\.b"#, value: #""axb""#, expected: false),
        OperatorCase(name: "regex: empty pattern matches any string", op: .regex, pattern: "", value: #""abc""#, expected: true),
        OperatorCase(name: "regex: empty pattern matches the empty string", op: .regex, pattern: "", value: #""""#, expected: true),
    ]

    static let nonStringCases: [OperatorCase] = [
        // numbers
        OperatorCase(name: "number 5: equal \"5\" is false", op: .equal, pattern: "5", value: "5", expected: false),
        OperatorCase(name: "number 5: notEqual \"5\" is true", op: .notEqual, pattern: "5", value: "5", expected: true),
        OperatorCase(name: "number 5: does not contain \"5\"", op: .contains, pattern: "5", value: "5", expected: false),
        OperatorCase(name: "number 5: notContains \"x\" is false", op: .notContains, pattern: "x", value: "5", expected: false),
        OperatorCase(name: "number 5: startsWith \"\" is false", op: .startsWith, pattern: "", value: "5", expected: false),
        OperatorCase(name: "number 5: endsWith \"5\" is false", op: .endsWith, pattern: "5", value: "5", expected: false),
        OperatorCase(name: "number 5: regex \\d is false", op: .regex, pattern: #"\d"#, value: "5", expected: false),
        // booleans
        OperatorCase(name: "true: equal \"true\" is false", op: .equal, pattern: "true", value: "true", expected: false),
        OperatorCase(name: "true: notEqual \"true\" is true", op: .notEqual, pattern: "true", value: "true", expected: true),
        OperatorCase(name: "false: contains \"\" is false", op: .contains, pattern: "", value: "false", expected: false),
        OperatorCase(name: "true: notContains \"x\" is false", op: .notContains, pattern: "x", value: "true", expected: false),
        OperatorCase(name: "true: regex true is false", op: .regex, pattern: "true", value: "true", expected: false),
        // null
        OperatorCase(name: "null: equal \"null\" is false", op: .equal, pattern: "null", value: "null", expected: false),
        OperatorCase(name: "null: notEqual \"null\" is true", op: .notEqual, pattern: "null", value: "null", expected: true),
        OperatorCase(name: "null: notContains \"\" is false", op: .notContains, pattern: "", value: "null", expected: false),
        OperatorCase(name: "null: startsWith \"\" is false", op: .startsWith, pattern: "", value: "null", expected: false),
        OperatorCase(name: "null: regex .* is false", op: .regex, pattern: ".*", value: "null", expected: false),
        // arrays
        OperatorCase(name: "array [\"a\"]: equal \"a\" is false", op: .equal, pattern: "a", value: #"["a"]"#, expected: false),
        OperatorCase(name: "array [\"a\"]: notEqual \"a\" is true", op: .notEqual, pattern: "a", value: #"["a"]"#, expected: true),
        OperatorCase(name: "array [\"a\"]: contains \"a\" is false", op: .contains, pattern: "a", value: #"["a"]"#, expected: false),
        OperatorCase(name: "array []: notContains \"b\" is false", op: .notContains, pattern: "b", value: "[]", expected: false),
        OperatorCase(name: "array [\"a\"]: endsWith \"\" is false", op: .endsWith, pattern: "", value: #"["a"]"#, expected: false),
        // objects
        OperatorCase(name: "object: equal is false", op: .equal, pattern: #"{"a":"b"}"#, value: #"{"a":"b"}"#, expected: false),
        OperatorCase(name: "object: notEqual is true", op: .notEqual, pattern: "b", value: #"{"a":"b"}"#, expected: true),
        OperatorCase(name: "object: contains a key is false", op: .contains, pattern: "a", value: #"{"a":"b"}"#, expected: false),
        OperatorCase(name: "object: startsWith \"{\" is false", op: .startsWith, pattern: "{", value: #"{"a":"b"}"#, expected: false),
        OperatorCase(name: "object: regex . is false", op: .regex, pattern: ".", value: #"{"a":"b"}"#, expected: false),
    ]

    @Test("strings", arguments: stringCases)
    func strings(_ row: OperatorCase) throws {
        let condition = try PolicyCondition(op: row.op, value: row.pattern)
        #expect(condition.isSatisfied(by: PolicyFixtures.json(row.value)) == row.expected)
    }

    @Test("non-strings", arguments: nonStringCases)
    func nonStrings(_ row: OperatorCase) throws {
        let condition = try PolicyCondition(op: row.op, value: row.pattern)
        #expect(condition.isSatisfied(by: PolicyFixtures.json(row.value)) == row.expected)
    }

    /// "notEqual — every non-string v (number, boolean, null, object, array) is not equal", whatever `p` says.
    @Test("notEqual holds for every non-string", arguments: ["0", "-1.5e3", "true", "false", "null", "[]", #"["x"]"#, "{}", #"{"x":"x"}"#])
    func notEqualNonStrings(_ value: String) throws {
        let condition = try PolicyCondition(op: .notEqual, value: value)
        #expect(condition.isSatisfied(by: PolicyFixtures.json(value)))
        for op in PolicyOperator.allCases where op != .notEqual {
            #expect(try !PolicyCondition(op: op, value: "").isSatisfied(by: PolicyFixtures.json(value)), "\(op)")
        }
    }

    struct ValidationCase: Sendable, CustomTestStringConvertible {
        var name: String
        var op: PolicyOperator
        var value: String
        var path: String = "a.b"
        var valid: Bool

        var testDescription: String { name }
    }

    static let validationCases: [ValidationCase] = [
        ValidationCase(name: "regex: unclosed group ( is refused", op: .regex, value: "(", valid: false),
        ValidationCase(name: "regex: unclosed class [a- is refused", op: .regex, value: "[a-", valid: false),
        ValidationCase(name: "regex: nothing to repeat *a is refused", op: .regex, value: "*a", valid: false),
        ValidationCase(name: "regex: bad quantifier range a{2,1} is refused", op: .regex, value: "a{2,1}", valid: false),
        ValidationCase(name: "regex: trailing backslash is refused", op: .regex, value: #"\"#, valid: false),
        ValidationCase(name: "regex: a valid pattern is accepted", op: .regex, value: #"^[\w.+-]+@evil\.com$"#, valid: true),
        ValidationCase(name: "contains: ( is plain text, accepted", op: .contains, value: "(", valid: true),
        ValidationCase(name: "equal: empty value accepted", op: .equal, value: "", valid: true),
        ValidationCase(name: "regex: the empty regex compiles (it matches everywhere)", op: .regex, value: "", valid: true),
        ValidationCase(name: "path: empty refused", op: .equal, value: "x", path: "", valid: false),
        ValidationCase(name: "path: a..b refused", op: .equal, value: "x", path: "a..b", valid: false),
        ValidationCase(name: "path: a[ refused", op: .equal, value: "x", path: "a[", valid: false),
        ValidationCase(name: "path: a[x] refused", op: .equal, value: "x", path: "a[x]", valid: false),
        ValidationCase(name: "path: a[*].b[*].c accepted", op: .equal, value: "x", path: "a[*].b[*].c", valid: true),
    ]

    @Test("write-time validation", arguments: validationCases)
    func validation(_ row: ValidationCase) {
        let pathIsValid = AttributePath(row.path) != nil
        if pathIsValid {
            #expect(((try? PolicyCondition(op: row.op, value: row.value)) != nil) == row.valid, "PolicyCondition init")
        }
        let now = PolicyFixtures.epoch
        let trusted = TrustedDataPolicy(
            id: PolicyFixtures.policyId(1), toolId: PolicyFixtures.policyId(2), description: "d",
            attributePath: row.path, op: row.op, value: row.value, action: .markAsTrusted, createdAt: now, updatedAt: now)
        let invocation = ToolInvocationPolicy(
            id: PolicyFixtures.policyId(3), toolId: PolicyFixtures.policyId(2), argumentName: row.path, op: row.op,
            value: row.value, action: .blockAlways, reason: nil, createdAt: now, updatedAt: now)
        #expect(((try? trusted.validate()) != nil) == row.valid, "TrustedDataPolicy.validate()")
        #expect(((try? invocation.validate()) != nil) == row.valid, "ToolInvocationPolicy.validate()")
    }
}
