import ArchestraCore
import Synchronization

/// Bounds the values of metric labels that clients choose: the first `limit` distinct values of each label are
/// kept, every later one is reported as `other`. Without it, each new model name, agent or tool a client invents
/// would add series to `/metrics` for as long as the process lives.
final class LabelBudget: Sendable {
    /// The value reported for everything past the budget.
    static let overflow = "other"

    private let limit: Int
    private let admitted = Mutex<[String: Set<String>]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// `value` when it is (or can still become) one of the label's tracked values, else `other`.
    func admit(_ label: String, _ value: String) -> String {
        admitted.withLock { admitted in
            if admitted[label]?.contains(value) == true { return value }
            if admitted[label, default: []].count >= limit { return Self.overflow }
            admitted[label, default: []].insert(value)
            return value
        }
    }

    /// The `agent_id` and `agent_name` labels, bounded together so the two always describe the same agent.
    func agent(_ agent: Agent) -> [(String, String)] {
        let id = agent.id.lowercasedString
        guard admit("agent_id", id) == id else { return [("agent_id", Self.overflow), ("agent_name", Self.overflow)] }
        return [("agent_id", id), ("agent_name", agent.name)]
    }
}
