import ArchestraCore
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    static let validDocuments: [(text: String, value: JSONValue)] = [
        ("null", .null),
        ("true", true),
        ("false", false),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("1.50", .number("1.50")),
        ("-12.5e-3", .number("-12.5e-3")),
        ("1E+10", .number("1E+10")),
        ("2e3", .number("2e3")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        ("0.000000000000000000000000000001", .number("0.000000000000000000000000000001")),
        (#""""#, ""),
        (#""plain""#, "plain"),
        ("[]", []),
        ("{}", [:]),
        (" \t\r\n [ 1 , \"two\" , [ ] , { } ] \n", [1, "two", [], [:]]),
        (#"{"a":{"b":[null,true,{"c":"d"}]}}"#, ["a": ["b": [nil, true, ["c": "d"]]]]),
        (#"{"":""}"#, ["": ""]),
        (#""ünïcödé 😀 中文""#, "ünïcödé 😀 中文"),
    ]

    @Test("Valid documents parse to the expected value", arguments: validDocuments)
    func valid(text: String, value: JSONValue) throws {
        #expect(try JSONParser.parse(text) == value)
        #expect(try JSONParser.parse(Array(text.utf8)) == value)
    }

    static let invalidDocuments: [(text: String, reason: String)] = [
        ("", "unexpected end of input"),
        ("   ", "unexpected end of input"),
        ("01", "unexpected data after the JSON value"),
        ("1.", "invalid number"),
        (".5", "unexpected character"),
        ("+1", "unexpected character"),
        ("1e", "invalid number"),
        ("1e+", "invalid number"),
        ("-", "invalid number"),
        ("-a", "invalid number"),
        ("NaN", "unexpected character"),
        ("Infinity", "unexpected character"),
        ("tru", "unexpected end of input"),
        ("nul", "unexpected end of input"),
        ("nulL", "invalid literal"),
        ("[1,]", "unexpected character"),
        ("[1 2]", "expected ',' or ']'"),
        ("[1", "unexpected end of input"),
        ("[1]]", "unexpected data after the JSON value"),
        (#"{"a":1,}"#, "expected a string key"),
        ("{a:1}", "expected a string key"),
        ("{'a':1}", "expected a string key"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a":1"#, "unexpected end of input"),
        (#"{"a":1 "b":2}"#, "expected ',' or '}'"),
        ("1 2", "unexpected data after the JSON value"),
        ("// comment\n1", "unexpected character"),
        (#""abc"#, "unterminated string"),
        (#""a\"#, "unterminated string"),
        (#""\x""#, "invalid escape"),
        (#""\'""#, "invalid escape"),
        (#""\u12""#, "invalid unicode escape"),
        (#""\u12G4""#, "invalid unicode escape"),
        ("\"tab\there\"", "control character in string"),
        ("\"new\nline\"", "control character in string"),
        ("\"nul\u{0}\"", "control character in string"),
        ("\"esc\\n then \u{1F}\"", "control character in string"),
    ]

    @Test("Invalid documents are rejected with a reason", arguments: invalidDocuments)
    func invalid(text: String, reason: String) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONParseError)?.reason == reason
        }
    }

    @Test("Invalid UTF-8 inside a string is rejected", arguments: [
        [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        [0x22, 0x5C, 0x6E, 0xFE, 0x22],
        // A truncated four-byte sequence is repaired to one U+FFFD of the same length: still refused.
        [0x22, 0xF0, 0x90, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xF0, 0x90, 0x80, 0x22], [0x22, 0x61, 0xE2, 0x82, 0x22],
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test("Valid UTF-8 strings read back unchanged, with and without escapes", arguments: [
        "é", "日本語", "a😀b", "\u{10FFFF}", "mixed ascii and ü", "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}",
    ])
    func validUTF8(text: String) throws {
        #expect(try JSONParser.parse(Array(("\"" + text + "\"").utf8)) == .string(text))
        #expect(try JSONParser.parse(Array(("\"\\n" + text + "\"").utf8)) == .string("\n" + text))
    }

    @Test("The error offset points at the problem")
    func errorOffset() {
        let cases: [(String, String, Int)] = [
            ("[1, 2 3]", "expected ',' or ']'", 6), (#"{"a": x}"#, "unexpected character", 6), ("\"ab\tc\"", "control character in string", 3),
        ]
        for (text, reason, offset) in cases {
            #expect {
                _ = try JSONParser.parse(text)
            } throws: { error in
                (error as? JSONParseError).map { $0.reason == reason && $0.offset == offset } ?? false
            }
        }
    }

    @Test("Object keys keep their document order")
    func keyOrder() throws {
        let value = try JSONParser.parse(#"{"zeta":1,"alpha":2,"mu":{"b":0,"a":0},"10":3,"2":4}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["zeta", "alpha", "mu", "10", "2"])
        #expect(value["mu"]?.objectValue?.keys == ["b", "a"])
    }

    @Test("Numbers are kept exactly as written", arguments: [
        "0", "-0", "1.0", "1.50", "100", "1e2", "1E2", "1e+2", "1e-2", "-0.0e0", "9007199254740993",
        "123456789012345678901234567890.123456789",
    ])
    func numbersAsWritten(literal: String) throws {
        #expect(try JSONParser.parse(literal) == .number(literal))
        #expect(try JSONParser.parse("[\(literal)]") == [.number(literal)])
    }

    static let escapes: [(text: String, value: String)] = [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        (#""\u0041\u00e9\u00E9\u4e2d""#, "Aéé中"),
        (#""\u0000""#, "\u{0}"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""\ud83d\ude00 and \uD834\uDD1E""#, "😀 and 𝄞"),
        (#""x\uD83Dy""#, "x\u{FFFD}y"),  // lone high surrogate
        (#""\uD83D""#, "\u{FFFD}"),  // lone high surrogate at the end
        (#""\uDE00x""#, "\u{FFFD}x"),  // lone low surrogate
        (#""\uD83D\u0041""#, "\u{FFFD}A"),  // high surrogate followed by a non-surrogate escape
        (#""\uD83D\uD83D\uDE00""#, "\u{FFFD}😀"),  // two highs, then a low
        (#""\uDE00\uD83D""#, "\u{FFFD}\u{FFFD}"),  // low then high
        (#""\uD83D\n""#, "\u{FFFD}\n"),
        ("\"raw 😀 é\"", "raw 😀 é"),
    ]

    @Test("Escapes decode, surrogate pairs join, lone surrogates become U+FFFD", arguments: escapes)
    func escapeSequences(text: String, value: String) throws {
        let parsed = try JSONParser.parse(text)
        #expect(parsed.stringValue.map { Array($0.unicodeScalars) } == Array(value.unicodeScalars))
    }

    @Test("Nesting up to the depth limit is accepted, one level more is rejected")
    func depthLimit() throws {
        let limit = JSONParser.maxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        var value = try JSONParser.parse(deepest)
        var depth = 0
        while case .array(let elements) = value {
            depth += 1
            value = elements.first ?? .null
        }
        #expect(depth == limit)

        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(tooDeep) }
        let mixed = String(repeating: #"{"a":["#, count: limit / 2 + 1) + "1" + String(repeating: "]}", count: limit / 2 + 1)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(mixed) }
        // Hostile depth fails cleanly instead of exhausting the stack.
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 200_000)) }
    }

    @Test("Duplicate keys are all kept in order; lookups see the last one")
    func duplicateKeys() throws {
        let text = #"{"a":1,"b":2,"a":3}"#
        let value = try JSONParser.parse(text)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["a", "b", "a"])
        #expect(value["a"] == .number("3"))
        #expect(JSONWriter.string(value) == text)
    }
}
