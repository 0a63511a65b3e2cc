import ArchestraCore
import Testing

/// Attribute paths: dot-separated keys; `key[N]` or a numeric key picks an array element; `[*]` expands every
/// element of an array (nesting allowed, may end a path). A missing key, an index out of range or `[*]` on a
/// non-array adds nothing; a present `null` is a value. Paths apply to the value as is; a raw string has no keys.
@Suite("Policy: attribute paths")
struct PolicyAttributePathTests {
    struct ExtractCase: Sendable, CustomTestStringConvertible {
        var name: String
        var path: String
        /// The tool result's value as JSON text (`raw` cases use `rawString` instead).
        var input: String
        /// The extracted values, as a JSON array.
        var expected: String
        var rawString: String? = nil

        var testDescription: String { name }
    }

    static let extractCases: [ExtractCase] = [
        ExtractCase(
            name: "dotted keys reach a nested value", path: "response.data.user.verified",
            input: #"{"response":{"data":{"user":{"verified":true}}}}"#, expected: "[true]"),
        ExtractCase(
            name: "a whole object is one value", path: "user",
            input: #"{"user":{"name":"ann"}}"#, expected: #"[{"name":"ann"}]"#),
        ExtractCase(
            name: "key[N] picks an array element", path: "items[1]",
            input: #"{"items":["a","b","c"]}"#, expected: #"["b"]"#),
        ExtractCase(
            name: "a numeric key picks an array element", path: "items.1",
            input: #"{"items":["a","b","c"]}"#, expected: #"["b"]"#),
        ExtractCase(
            name: "a numeric key on an object is an ordinary key", path: "codes.0",
            input: #"{"codes":{"0":"zero"}}"#, expected: #"["zero"]"#),
        ExtractCase(
            name: "chained indexes key[N][M]", path: "matrix[1][0]",
            input: #"{"matrix":[[1,2],[3,4]]}"#, expected: "[3]"),
        ExtractCase(
            name: "[*] then a key (emails[*].from), elements without the key add nothing", path: "emails[*].from",
            input: #"{"emails":[{"from":"a@x"},{"to":"c@x"},{"from":"b@x"}]}"#, expected: #"["a@x","b@x"]"#),
        ExtractCase(
            name: "nested wildcards a[*].b[*].c keep document order", path: "a[*].b[*].c",
            input: #"{"a":[{"b":[{"c":1},{"c":2}]},{"b":"not an array"},{"b":[{"c":3}]}]}"#, expected: "[1,2,3]"),
        ExtractCase(
            name: "a wildcard may end a path (tags[*])", path: "tags[*]",
            input: #"{"tags":["x",7,null]}"#, expected: #"["x",7,null]"#),
        ExtractCase(
            name: "top-level [*] on an array", path: "[*]",
            input: #"["p","q"]"#, expected: #"["p","q"]"#),
        ExtractCase(
            name: "top-level [*] then a key", path: "[*].source",
            input: #"[{"source":"internal"},{"source":"web"}]"#, expected: #"["internal","web"]"#),
        ExtractCase(
            name: "a numeric key on a top-level array", path: "0",
            input: #"["first","second"]"#, expected: #"["first"]"#),
        ExtractCase(
            name: "[*][*] flattens nested arrays", path: "grid[*][*]",
            input: #"{"grid":[[1,2],[],[3]]}"#, expected: "[1,2,3]"),
        ExtractCase(
            name: "[*] on an empty array adds nothing", path: "tags[*]",
            input: #"{"tags":[]}"#, expected: "[]"),
        ExtractCase(
            name: "a missing key adds nothing", path: "user.email",
            input: #"{"user":{"name":"ann"}}"#, expected: "[]"),
        ExtractCase(
            name: "a missing intermediate key adds nothing", path: "a.b.c",
            input: #"{"x":1}"#, expected: "[]"),
        ExtractCase(
            name: "an index out of range adds nothing", path: "items[5]",
            input: #"{"items":["a","b"]}"#, expected: "[]"),
        ExtractCase(
            name: "a numeric key out of range adds nothing", path: "items.2",
            input: #"{"items":["a","b"]}"#, expected: "[]"),
        ExtractCase(
            name: "a signed key +1 is not numeric: adds nothing on an array", path: "items.+1",
            input: #"{"items":["a","b"]}"#, expected: "[]"),
        ExtractCase(
            name: "a negative key -1 adds nothing on an array", path: "items.-1",
            input: #"{"items":["a","b"]}"#, expected: "[]"),
        ExtractCase(
            name: "[*] on an object adds nothing", path: "user[*]",
            input: #"{"user":{"a":1,"b":2}}"#, expected: "[]"),
        ExtractCase(
            name: "[*] on a string adds nothing", path: "name[*]",
            input: #"{"name":"abc"}"#, expected: "[]"),
        ExtractCase(
            name: "a key on a number adds nothing", path: "count.value",
            input: #"{"count":5}"#, expected: "[]"),
        ExtractCase(
            name: "a present null is a value", path: "user.email",
            input: #"{"user":{"email":null}}"#, expected: "[null]"),
        ExtractCase(
            name: "a key below a present null adds nothing", path: "user.email.domain",
            input: #"{"user":{"email":null}}"#, expected: "[]"),
        ExtractCase(
            name: "paths apply as is: a top-level value key is not unwrapped", path: "verified",
            input: #"{"value":{"verified":true}}"#, expected: "[]"),
        ExtractCase(
            name: "a raw string has no keys", path: "from",
            input: "", expected: "[]", rawString: "from: hacker@evil.com"),
        ExtractCase(
            name: "a raw string has no length key", path: "length",
            input: "", expected: "[]", rawString: "abc"),
        ExtractCase(
            name: "[*] on a raw string adds nothing", path: "[*]",
            input: "", expected: "[]", rawString: "abc"),
    ]

    @Test("extract", arguments: extractCases)
    func extract(_ row: ExtractCase) throws {
        let path = try #require(AttributePath(row.path))
        let value = row.rawString.map(JSONValue.string) ?? PolicyFixtures.json(row.input)
        #expect(JSONValue.array(path.extract(from: value)) == PolicyFixtures.json(row.expected))
    }

    struct ParseCase: Sendable, CustomTestStringConvertible {
        var name: String
        var path: String
        /// nil: the path is rejected.
        var steps: [AttributePath.Step]?

        var testDescription: String { name }
    }

    static let parseCases: [ParseCase] = [
        ParseCase(name: "dotted keys", path: "a.b", steps: [.key("a"), .key("b")]),
        ParseCase(name: "key[N]", path: "items[2]", steps: [.key("items"), .index(2)]),
        ParseCase(name: "key[*].key", path: "emails[*].from", steps: [.key("emails"), .everyElement, .key("from")]),
        ParseCase(name: "top-level [*]", path: "[*]", steps: [.everyElement]),
        ParseCase(name: "numeric key", path: "items.0", steps: [.key("items"), .key("0")]),
        ParseCase(name: "empty path rejected", path: "", steps: nil),
        ParseCase(name: "empty segment a..b rejected", path: "a..b", steps: nil),
        ParseCase(name: "leading dot rejected", path: ".a", steps: nil),
        ParseCase(name: "trailing dot rejected", path: "a.", steps: nil),
        ParseCase(name: "unclosed bracket a[ rejected", path: "a[", steps: nil),
        ParseCase(name: "non-numeric index a[x] rejected", path: "a[x]", steps: nil),
        ParseCase(name: "empty brackets a[] rejected", path: "a[]", steps: nil),
        ParseCase(name: "negative index a[-1] rejected", path: "a[-1]", steps: nil),
        ParseCase(name: "signed index a[+1] rejected", path: "a[+1]", steps: nil),
        ParseCase(name: "stray closing bracket a] rejected", path: "a]", steps: nil),
        ParseCase(name: "text after a bracket a[0]b rejected", path: "a[0]b", steps: nil),
    ]

    @Test("parse", arguments: parseCases)
    func parse(_ row: ParseCase) {
        #expect(AttributePath(row.path)?.steps == row.steps)
    }
}
