import ArchestraCore
import Foundation
import Testing

/// Shared fixtures for the table-driven policy tests: JSON from text, and snapshots built from stored-row shapes
/// through `PolicySnapshot(tools:trustedData:invocation:)`, exactly as the stores feed it.
enum PolicyFixtures {
    static let agentA = UUID(uuidString: "aaaaaaaa-0000-4000-8000-000000000001")!
    static let agentB = UUID(uuidString: "bbbbbbbb-0000-4000-8000-000000000002")!
    static let epoch = Date(timeIntervalSince1970: 1_760_000_000)

    /// Parses JSON text; a test fixture that is not JSON is a bug in the test.
    static func json(_ text: String) -> JSONValue {
        do { return try JSONParser.parse(text) } catch {
            Issue.record("fixture is not JSON: \(text) (\(error))")
            return .null
        }
    }

    /// A stable tool id for (agent, name): the agent's first 8 hex digits, then a hash of the name.
    static func toolId(agent: UUID, name: String) -> UUID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let prefix = agent.uuidString.lowercased().prefix(8)
        return UUID(uuidString: "\(prefix)-1111-4111-8111-" + String(format: "%012llx", hash & 0xFFFF_FFFF_FFFF))!
    }

    static func policyId(_ n: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))!
    }
}

/// A tool row: which agent declared it and its two flags.
struct ToolSpec: Sendable, CustomStringConvertible {
    var name: String
    var agent: UUID = PolicyFixtures.agentA
    var allowUsageWhenUntrustedDataIsPresent = false
    var dataIsTrustedByDefault = false

    var id: UUID { PolicyFixtures.toolId(agent: agent, name: name) }

    var row: Tool {
        Tool(
            id: id, agentId: agent, name: name, parameters: [:], description: nil,
            allowUsageWhenUntrustedDataIsPresent: allowUsageWhenUntrustedDataIsPresent,
            dataIsTrustedByDefault: dataIsTrustedByDefault, createdAt: PolicyFixtures.epoch,
            updatedAt: PolicyFixtures.epoch
        )
    }

    var description: String { name }
}

/// A trusted-data policy row; `createdAt` is seconds after the fixture epoch, so creation order is explicit.
struct TrustedSpec: Sendable {
    var tool: String
    var agent: UUID = PolicyFixtures.agentA
    var path: String
    var op: PolicyOperator
    var value: String
    var action: TrustedDataAction
    var description: String
    var createdAt: Double

    func row(_ n: Int) -> TrustedDataPolicy {
        TrustedDataPolicy(
            id: PolicyFixtures.policyId(n), toolId: PolicyFixtures.toolId(agent: agent, name: tool),
            description: description, attributePath: path, op: op, value: value, action: action,
            createdAt: PolicyFixtures.epoch.addingTimeInterval(createdAt),
            updatedAt: PolicyFixtures.epoch.addingTimeInterval(createdAt)
        )
    }
}

/// A tool-invocation policy row; `createdAt` is seconds after the fixture epoch.
struct InvocationSpec: Sendable {
    var tool: String
    var agent: UUID = PolicyFixtures.agentA
    var argument: String
    var op: PolicyOperator
    var value: String
    var action: ToolInvocationAction
    var reason: String?
    var createdAt: Double

    func row(_ n: Int) -> ToolInvocationPolicy {
        ToolInvocationPolicy(
            id: PolicyFixtures.policyId(1000 + n), toolId: PolicyFixtures.toolId(agent: agent, name: tool),
            argumentName: argument, op: op, value: value, action: action, reason: reason,
            createdAt: PolicyFixtures.epoch.addingTimeInterval(createdAt),
            updatedAt: PolicyFixtures.epoch.addingTimeInterval(createdAt)
        )
    }
}

extension PolicySnapshot {
    /// The snapshot of agent A: its tools only (as the store loads them), with every given policy row — rows
    /// attached to another agent's tool must be ignored because their tool id is not one of agent A's.
    static func fixture(
        tools: [ToolSpec], trusted: [TrustedSpec] = [], invocation: [InvocationSpec] = []
    ) -> PolicySnapshot {
        PolicySnapshot(
            tools: tools.filter { $0.agent == PolicyFixtures.agentA }.map(\.row),
            trustedData: trusted.enumerated().map { $1.row($0) },
            invocation: invocation.enumerated().map { $1.row($0) }
        )
    }
}
