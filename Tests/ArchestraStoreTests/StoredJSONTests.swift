import ArchestraStore
import Foundation
import Testing

/// The reversible storage form of JSON documents: only what `jsonb` refuses (and wrapper look-alikes) is wrapped, and
/// every document reads back exactly as written.
@Suite("Stored JSON")
struct StoredJSONTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var wrapped: Bool
        var testDescription: String { "\(text.debugDescription) \(wrapped ? "wrapped" : "as is")" }
    }

    static let cases: [Case] = [
        // Storable as they are.
        Case(text: #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#, wrapped: false),
        Case(text: #"{"a":"\ud83d\ude00"}"#, wrapped: false),  // a paired surrogate escape
        Case(text: #"{"a":"\uD83D\uDE00 and \u00e9"}"#, wrapped: false),
        Case(text: #"{"a":"\\u0000 is an escaped backslash, not a NUL"}"#, wrapped: false),
        Case(text: #"{"a":"\\ud800"}"#, wrapped: false),
        Case(text: #"{"a":"quote \" then \\"}"#, wrapped: false),
        Case(text: #"{"$archestraRaw":"aGk=","other":1}"#, wrapped: false),
        Case(text: #"{"x":{"$archestraRaw":"aGk="}}"#, wrapped: false),
        Case(text: #""plain string""#, wrapped: false),
        Case(text: "[]", wrapped: false),
        Case(text: "", wrapped: false),
        // What jsonb refuses.
        Case(text: #"{"a":"\u0000"}"#, wrapped: true),
        Case(text: #"{"a":"x\u0000y"}"#, wrapped: true),
        Case(text: #"{"\u0000key":1}"#, wrapped: true),
        Case(text: #"{"a":"\ud800"}"#, wrapped: true),
        Case(text: #"{"a":"\uD800"}"#, wrapped: true),
        Case(text: #"{"a":"\udc00"}"#, wrapped: true),
        Case(text: #"{"a":"\ud800x"}"#, wrapped: true),
        Case(text: #"{"a":"\ud800\u0041"}"#, wrapped: true),
        Case(text: #"{"a":"\ud800\ud800\udc00"}"#, wrapped: true),
        Case(text: #"{"a":"\ude00\ud83d"}"#, wrapped: true),
        Case(text: #"{"a":"\\\u0000"}"#, wrapped: true),
        Case(text: #"["ok","\ud800"]"#, wrapped: true),
        // Documents shaped like the wrapper itself: wrapped too, so reading them back cannot unwrap them.
        Case(text: #"{"$archestraRaw":"aGk="}"#, wrapped: true),
        Case(text: #" { "$archestraRaw" : "aGk=" } "#, wrapped: true),
        Case(text: #"{"$archestraRaw":"aGk="}"# + "\n", wrapped: true),
        // Documents jsonb re-renders into the wrapper's exact form: duplicate keys collapse (the last wins) and
        // escapes are decoded. Stored as they are, they would read back as what they seem to wrap.
        Case(text: #"{"$archestraRaw":"eA==","$archestraRaw":"aGk="}"#, wrapped: true),
        Case(text: #"{"$archestraRaw":{"a":1},"$archestraRaw":"aGk="}"#, wrapped: true),
        Case(text: #"{"\u0024archestraRaw":"aGk="}"#, wrapped: true),
        Case(text: #"{"$archestra\u0052aw":"aGk="}"#, wrapped: true),
        Case(text: #"{"$archestraRaw":"aGk\u003d"}"#, wrapped: true),
        Case(text: #"{"$archestraRaw":"not base64 at all"}"#, wrapped: true),
        Case(text: #"{"$archestraRaw":1}"#, wrapped: true),
        Case(text: #"{"$archestraRaw":""}"#, wrapped: true),
    ]

    @Test("encode wraps exactly what must be wrapped; decode(encode(x)) == x", arguments: cases)
    func roundTrip(_ testCase: Case) throws {
        let stored = StoredJSON.encode(testCase.text)
        #expect(StoredJSON.needsWrapping(testCase.text) == testCase.wrapped)
        if testCase.wrapped {
            #expect(stored.hasPrefix(#"{"$archestraRaw":""#))
            #expect(!stored.contains(#"\u0000"#) && !stored.lowercased().contains(#"\ud8"#) && !stored.lowercased().contains(#"\udc"#))
        } else {
            #expect(stored == testCase.text)
        }
        #expect(StoredJSON.decode(stored) == testCase.text)
        if testCase.wrapped {
            // PostgreSQL gives jsonb back re-rendered (`{"k": "v"}`): the wrapper must still be recognised.
            let rerendered = stored.replacingOccurrences(of: "\":\"", with: "\": \"")
            #expect(StoredJSON.decode(rerendered) == testCase.text)
        }
    }

    @Test("decode leaves every document that is not a wrapper alone")
    func decodeLeavesOthers() {
        for text in [#"{"a":1}"#, #"{"$archestraRaw":"aGk=","b":2}"#, #"{"$archestraRaw":"!!"}"#, "[1]", "null", "", "{"] {
            #expect(StoredJSON.decode(text) == text)
        }
    }

    @Test("Generated documents with NUL and surrogate escapes at random places round-trip; exactly the unstorable are wrapped")
    func generated() {
        let pieces = [#"\u0000"#, #"\ud800"#, #"\udfff"#, #"\ud83d\ude00"#, #"\\"#, #"\""#, "é", "🤖", "a", " ", #"\u00e9"#, #"\\u0000"#]
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var wrappedCount = 0
        for _ in 0..<2_000 {
            let chosen = (0..<next(12)).map { _ in pieces[next(pieces.count)] }
            let text = #"{"messages":[{"role":"user","content":"\#(chosen.joined())"}]}"#
            #expect(StoredJSON.decode(StoredJSON.encode(text)) == text, "\(text)")
            // Each piece is one escape (or plain text), so what jsonb refuses can be read off the pieces.
            var unstorable = chosen.contains(#"\u0000"#)
            for (index, piece) in chosen.enumerated() {
                let following = index + 1 < chosen.count ? chosen[index + 1] : nil
                let preceding = index > 0 ? chosen[index - 1] : nil
                if piece == #"\ud800"#, following != #"\udfff"# { unstorable = true }
                if piece == #"\udfff"#, preceding != #"\ud800"# { unstorable = true }
            }
            #expect(StoredJSON.needsWrapping(text) == unstorable, "\(text)")
            if unstorable { wrappedCount += 1 }
        }
        #expect(wrappedCount > 200 && wrappedCount < 1_800, "the generator should make both kinds: \(wrappedCount) wrapped")
    }
}
