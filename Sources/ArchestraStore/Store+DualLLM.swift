import ArchestraCore
import Foundation

/// Storage of the Dual LLM configuration and of finished quarantines; part of `Store`.
public protocol DualLLMStore: Sendable {
    /// Every configuration, oldest first.
    func listDualLLMConfigs() async throws -> [DualLLMConfig]
    func dualLLMConfig(id: UUID) async throws -> DualLLMConfig?
    /// The oldest configuration, created from `candidate` when there is none (atomic across instances).
    func defaultDualLLMConfig(candidate: DualLLMConfig) async throws -> DualLLMConfig
    func insertDualLLMConfig(_ config: DualLLMConfig) async throws
    /// Overwrites every field but id and creation time; false if it does not exist.
    func updateDualLLMConfig(_ config: DualLLMConfig) async throws -> Bool
    func deleteDualLLMConfig(id: UUID) async throws -> Bool

    /// The cached result for an agent's tool call.
    func dualLLMResult(agentId: UUID, toolCallId: String) async throws -> DualLLMResult?
    /// Stores a result unless one exists for its (agent, tool call id).
    func insertDualLLMResult(_ result: DualLLMResult) async throws
    /// Newest first, optionally for one agent.
    func listDualLLMResults(agentId: UUID?) async throws -> [DualLLMResult]
    /// The newest result with this tool call id, any agent.
    func latestDualLLMResult(toolCallId: String) async throws -> DualLLMResult?
}

extension DualLLMResult {
    /// The conversation as stored JSON.
    public var conversationsJSON: String {
        JSONWriter.string(.array(conversations.map { ["role": .string($0.role), "content": .string($0.content)] }))
    }

    /// Reads a stored conversation.
    public static func conversations(fromJSON text: String) -> [DualLLMMessage] {
        guard case .array(let items)? = try? JSONParser.parse(text) else { return [] }
        return items.compactMap { item in
            guard let role = item["role"]?.stringValue, let content = item["content"]?.stringValue else { return nil }
            return DualLLMMessage(role: role, content: content)
        }
    }
}
