import Foundation

/// How the Dual LLM quarantine runs: on or off, its prompts, its round limit and the model it uses.
public struct DualLLMConfig: Sendable, Hashable {
    public var id: UUID
    public var enabled: Bool
    public var mainAgentPrompt: String
    public var quarantinedAgentPrompt: String
    public var summaryPrompt: String
    public var maxRounds: Int
    /// The provider the quarantine's own calls go to.
    public var provider: Provider
    public var model: String
    public var createdAt: Date
    public var updatedAt: Date

    /// Accepted round limits.
    public static let roundLimits = 1...50

    public init(
        id: UUID, enabled: Bool, mainAgentPrompt: String, quarantinedAgentPrompt: String, summaryPrompt: String,
        maxRounds: Int, provider: Provider = .openai, model: String = "gpt-4o", createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.enabled = enabled
        self.mainAgentPrompt = mainAgentPrompt
        self.quarantinedAgentPrompt = quarantinedAgentPrompt
        self.summaryPrompt = summaryPrompt
        self.maxRounds = maxRounds
        self.provider = provider
        self.model = model
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The configuration created at first start: off, five rounds, this project's prompts.
    public static func builtIn(id: UUID, now: Date) -> DualLLMConfig {
        DualLLMConfig(
            id: id, enabled: false, mainAgentPrompt: DualLLMPrompts.main, quarantinedAgentPrompt: DualLLMPrompts.quarantined,
            summaryPrompt: DualLLMPrompts.summary, maxRounds: 5, createdAt: now, updatedAt: now
        )
    }
}

/// One message of a Dual LLM conversation.
public struct DualLLMMessage: Sendable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A finished quarantine of one tool result, cached by (agent, tool call id).
public struct DualLLMResult: Sendable, Hashable {
    public var id: UUID
    public var agentId: UUID
    public var toolCallId: String
    public var conversations: [DualLLMMessage]
    public var result: String
    public var createdAt: Date

    public init(id: UUID, agentId: UUID, toolCallId: String, conversations: [DualLLMMessage], result: String, createdAt: Date) {
        self.id = id
        self.agentId = agentId
        self.toolCallId = toolCallId
        self.conversations = conversations
        self.result = result
        self.createdAt = createdAt
    }
}
