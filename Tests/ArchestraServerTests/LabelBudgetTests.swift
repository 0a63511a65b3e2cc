import ArchestraCore
import Foundation
import Testing

@testable import ArchestraServer

/// Client-chosen metric label values are bounded per label: the first N distinct values are kept, later ones are
/// reported as `other`, and an agent's id and name always describe the same agent.
@Suite("Label budget")
struct LabelBudgetTests {
    @Test("The first N distinct values of a label are kept; later ones become other; kept ones stay kept")
    func admit() {
        let budget = LabelBudget(limit: 2)
        #expect(budget.admit("model", "a") == "a")
        #expect(budget.admit("model", "a") == "a")
        #expect(budget.admit("model", "b") == "b")
        #expect(budget.admit("model", "c") == "other")
        #expect(budget.admit("model", "d") == "other")
        #expect(budget.admit("model", "a") == "a")
        #expect(budget.admit("model", "b") == "b")
        #expect(budget.admit("model", "c") == "other", "a refused value is not admitted later")
        // Each label has its own budget.
        #expect(budget.admit("tool_name", "c") == "c")
        #expect(budget.admit("tool_name", "d") == "d")
        #expect(budget.admit("tool_name", "e") == "other")
    }

    @Test("A flood of distinct values keeps at most N of them")
    func flood() {
        let budget = LabelBudget(limit: 5)
        let reported = Set((0..<10_000).map { budget.admit("model", "model-\($0)") })
        #expect(reported == Set((0..<5).map { "model-\($0)" } + ["other"]))
    }

    @Test("Agent labels: id and name together, or other for both")
    func agentLabels() {
        let budget = LabelBudget(limit: 1)
        let first = Agent(id: UUID(), name: "first", isDemo: false, createdAt: Date(), updatedAt: Date())
        let second = Agent(id: UUID(), name: "second", isDemo: false, createdAt: Date(), updatedAt: Date())
        #expect(budget.agent(first).map { [$0.0, $0.1] } == [["agent_id", first.id.uuidString.lowercased()], ["agent_name", "first"]])
        #expect(budget.agent(second).map { [$0.0, $0.1] } == [["agent_id", "other"], ["agent_name", "other"]])
        #expect(budget.agent(first).map(\.1) == [first.id.uuidString.lowercased(), "first"])
    }

    @Test("Concurrent admission never keeps more than N values")
    func concurrent() async {
        let budget = LabelBudget(limit: 3)
        let reported = await withTaskGroup(of: String.self) { group in
            for index in 0..<500 { group.addTask { budget.admit("model", "m\(index % 50)") } }
            var values: Set<String> = []
            for await value in group { values.insert(value) }
            return values
        }
        #expect(reported.subtracting(["other"]).count == 3)
    }
}
