import ArchestraCore
import Testing

@Suite("JSON writer")
struct JSONWriterTests {
    static let stringEscapes: [(value: String, json: String)] = [
        ("a/b", #""a/b""#),
        ("é 😀 中文 عربي", #""é 😀 中文 عربي""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"C:\path\"#, #""C:\\path\\""#),
        ("\n\r\t\u{8}\u{C}", #""\n\r\t\b\f""#),
        ("\u{0}\u{1}\u{1B}\u{1F}", #""\u0000\u0001\u001b\u001f""#),
        ("\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}", "\"\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}\""),
        ("<script>&amp;'</script>", #""<script>&amp;'</script>""#),
        ("", #""""#),
    ]

    @Test("Compact strings escape only quote, backslash and control characters", arguments: stringEscapes)
    func escapes(value: String, json: String) throws {
        #expect(JSONWriter.string(.string(value)) == json)
        #expect(JSONWriter.bytes(.string(value)) == Array(json.utf8))
        #expect(try JSONParser.parse(json).stringValue.map { Array($0.unicodeScalars) } == Array(value.unicodeScalars))
    }

    @Test("Compact output has no whitespace and keeps key order, duplicates and number text")
    func compactStructure() throws {
        let value = try JSONParser.parse(" { \"b\" : [ 1 , 2.50 , -0 , 1E3 ] ,\n\t\"a\" : { } , \"b\" : [ ] , \"c\" : null } ")
        #expect(JSONWriter.string(value) == #"{"b":[1,2.50,-0,1E3],"a":{},"b":[],"c":null}"#)
        let built: JSONValue = ["z": true, "y": [false, nil, "s"], "x": .number("0.10")]
        #expect(JSONWriter.string(built) == #"{"z":true,"y":[false,null,"s"],"x":0.10}"#)
        var appended: [UInt8] = Array("prefix:".utf8)
        JSONWriter.write([1, "two"], into: &appended)
        #expect(String(decoding: appended, as: UTF8.self) == #"prefix:[1,"two"]"#)
    }

    /// Compact documents in the writer's own form: parsing and writing them again gives the same text.
    static let compactDocuments = [
        "null", "true", "false", "0", "-0", "1.50", "1e-7", "-2E+30", "123456789012345678901234567890",
        #""""#, "[]", "{}", "[[],{}]",
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":false,"temperature":0.70}"#,
        #"{"z":1,"a":2,"m":{"y":null,"b":[true,false]}}"#,
        #"{"dup":1,"dup":2}"#,
        #"["é 😀 中文","a/b","\"quoted\"","back\\slash","\n\r\t\b\f","\u0000\u001f","\u001b"]"#,
        #"{"":"","nested":[[[[["deep"]]]]],"unicode key ü":"value"}"#,
    ]

    @Test("Parse then write of a compact document is the identity", arguments: compactDocuments)
    func roundTrip(document: String) throws {
        let value = try JSONParser.parse(document)
        #expect(JSONWriter.string(value) == document)
        #expect(try JSONParser.parse(JSONWriter.string(value)) == value)
    }

    /// Documents and what Node.js prints for `JSON.stringify(JSON.parse(doc), null, 2)`.
    static let prettyDocuments: [(document: String, javascript: String)] = [
        (
            #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi \"there\" ü/😀"}],"tools":[],"meta":{},"n":[1,-2.5,true,false,null,[[]],[{}]]}"#,
            "{\n  \"model\": \"gpt-4o\",\n  \"messages\": [\n    {\n      \"role\": \"user\",\n      \"content\": \"Hi \\\"there\\\" ü/😀\"\n    }\n  ],\n  \"tools\": [],\n  \"meta\": {},\n  \"n\": [\n    1,\n    -2.5,\n    true,\n    false,\n    null,\n    [\n      []\n    ],\n    [\n      {}\n    ]\n  ]\n}"
        ),
        ("[]", "[]"),
        ("{}", "{}"),
        (#""just a string with \n newline and \u0001 control""#, "\"just a string with \\n newline and \\u0001 control\""),
        (
            #"[1,[2,[3,{"deep":{"deeper":[null]}}]]]"#,
            "[\n  1,\n  [\n    2,\n    [\n      3,\n      {\n        \"deep\": {\n          \"deeper\": [\n            null\n          ]\n        }\n      }\n    ]\n  ]\n]"
        ),
        (
            #"{"a":{"b":{"c":[1,2,{"d":"e"}]}},"z":0}"#,
            "{\n  \"a\": {\n    \"b\": {\n      \"c\": [\n        1,\n        2,\n        {\n          \"d\": \"e\"\n        }\n      ]\n    }\n  },\n  \"z\": 0\n}"
        ),
    ]

    @Test("Pretty printing matches JavaScript's JSON.stringify(v, null, 2)", arguments: prettyDocuments)
    func pretty(document: String, javascript: String) throws {
        let value = try JSONParser.parse(document)
        #expect(JSONWriter.prettyString(value) == javascript)
        #expect(try JSONParser.parse(JSONWriter.prettyString(value)) == value)
    }
}
