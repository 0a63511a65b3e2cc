import ArchestraCore

/// The client APIs the gateway judges, one translator each. The raw value is the interaction record's `type`.
public enum Endpoint: String, Sendable, Hashable, CaseIterable {
    case openAIChatCompletions = "openai:chatCompletions"
    case openAIResponses = "openai:responses"
    case anthropicMessages = "anthropic:messages"
    case geminiGenerateContent = "gemini:generateContent"

    /// The vendor behind the endpoint.
    public var provider: Provider {
        switch self {
        case .openAIChatCompletions, .openAIResponses: .openai
        case .anthropicMessages: .anthropic
        case .geminiGenerateContent: .gemini
        }
    }

    /// The interaction record's `type`.
    public var interactionType: String { rawValue }
}

extension Endpoint {
    /// The endpoint's translator, for callers that handle every endpoint alike (the interaction API, the mock).
    public var adapter: any EndpointAdapter {
        switch self {
        case .openAIChatCompletions: OpenAIChatAdapter()
        case .openAIResponses: OpenAIResponsesAdapter()
        case .anthropicMessages: AnthropicMessagesAdapter()
        case .geminiGenerateContent: GeminiGenerateContentAdapter()
        }
    }
}
