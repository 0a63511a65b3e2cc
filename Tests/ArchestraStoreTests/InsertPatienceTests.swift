import ArchestraStore
import Testing

/// The log writer's patience for one insert: raised by an insert that finished after it was given up on (the
/// database is slow, not away), capped so an outage is still noticed, and brought back down by prompt inserts.
@Suite("Insert patience")
struct InsertPatienceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// How long each insert took, in order, in milliseconds.
        var inserts: [Int]
        /// The patience afterwards, in milliseconds (the base is 100 ms).
        var expected: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing happened yet: the base", inserts: [], expected: 100),
        Case(name: "inserts within the base keep it", inserts: [5, 40, 100], expected: 100),
        Case(name: "an insert slower than the patience doubles what it took", inserts: [150], expected: 300),
        Case(name: "never beyond six times the base", inserts: [5_000], expected: 600),
        Case(name: "a prompt insert takes a quarter of the base off", inserts: [200, 20], expected: 375),
        Case(name: "prompt inserts bring it down to the base, no further", inserts: [200] + Array(repeating: 10, count: 40), expected: 100),
        Case(name: "a slow insert within the raised patience keeps it", inserts: [200, 350], expected: 400),
        Case(name: "inserts as slow as before keep about twice what they take", inserts: [150, 150, 150, 150], expected: 275),
        Case(name: "a slower one raises it again", inserts: [200, 450], expected: 600),
    ]

    @Test("patience after a series of inserts", arguments: cases)
    func patience(_ testCase: Case) {
        var patience = InsertPatience(base: .milliseconds(100))
        for took in testCase.inserts { patience.insertFinished(after: .milliseconds(took)) }
        #expect(patience.current == .milliseconds(testCase.expected))
    }
}
