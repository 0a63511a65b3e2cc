import ArchestraCore
import Foundation

/// Storage of the two kinds of policies; part of `Store`, split out to keep each file about one thing.
public protocol PolicyStore: Sendable {
    func insertTrustedDataPolicy(_ policy: TrustedDataPolicy) async throws
    /// Overwrites every field but id and creation time; false if the policy does not exist.
    func updateTrustedDataPolicy(_ policy: TrustedDataPolicy) async throws -> Bool
    func deleteTrustedDataPolicy(id: UUID) async throws -> Bool
    func trustedDataPolicy(id: UUID) async throws -> TrustedDataPolicy?
    /// Newest first, optionally for one tool and/or one agent.
    func listTrustedDataPolicies(toolId: UUID?, agentId: UUID?) async throws -> [TrustedDataPolicy]

    func insertToolInvocationPolicy(_ policy: ToolInvocationPolicy) async throws
    /// Overwrites every field but id and creation time; false if the policy does not exist.
    func updateToolInvocationPolicy(_ policy: ToolInvocationPolicy) async throws -> Bool
    func deleteToolInvocationPolicy(id: UUID) async throws -> Bool
    func toolInvocationPolicy(id: UUID) async throws -> ToolInvocationPolicy?
    /// Newest first, optionally for one tool and/or one agent.
    func listToolInvocationPolicies(toolId: UUID?, agentId: UUID?) async throws -> [ToolInvocationPolicy]
}

extension Store {
    /// Everything a policy snapshot of one agent is built from.
    public func loadPolicySnapshot(agentId: UUID) async throws -> PolicySnapshot {
        let tools = try await listTools(agentId: agentId).map(\.tool)
        let trustedData = try await listTrustedDataPolicies(toolId: nil, agentId: agentId)
        let invocation = try await listToolInvocationPolicies(toolId: nil, agentId: agentId)
        return PolicySnapshot(tools: tools, trustedData: trustedData, invocation: invocation)
    }
}
