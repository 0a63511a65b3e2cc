@testable import ArchestraCore
import Testing

@Suite("Interaction previews")
struct SummaryPreviewTests {
    /// The rule, written the plain way: the first `previewLength` characters, whitespace runs folded to one space,
    /// none at the start.
    static func expected(_ text: String) -> String {
        var folded: [Character] = []
        var lastWasSpace = false
        for character in text where folded.count < InteractionSummary.previewLength {
            if character.isWhitespace {
                if !lastWasSpace, !folded.isEmpty { folded.append(" ") }
                lastWasSpace = true
            } else {
                folded.append(character)
                lastWasSpace = false
            }
        }
        return String(folded)
    }

    static let samples: [String] = [
        "", "   ", "Hello", "  Summarise   my\tinbox\n\nplease ", "line one\r\nline two\rthree\n",
        "caf\u{65}\u{301} au lait", "e\u{301}", "a\u{300}\u{301}\u{302} b", "tabs\u{0B}and\u{0C}feeds",
        "non\u{A0}breaking\u{2003}em space\u{85}next line", "emoji 👩‍👩‍👧 family 🇫🇷 flag", "日本語の テキスト",
        String(repeating: "word ", count: 100), String(repeating: "é", count: 300), String(repeating: " x\r\n", count: 200),
        String(repeating: "a", count: 239) + "e\u{301}tail", String(repeating: "a", count: 240) + "\u{301}",
    ]

    @Test("The preview is the rule, on ASCII, on mixed text and across the switch between them", arguments: samples)
    func preview(text: String) {
        #expect(InteractionSummary.preview(text) == Self.expected(text))
    }
}
