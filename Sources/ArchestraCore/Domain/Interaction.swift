import Foundation

/// The provider families the gateway speaks.
public enum Provider: String, Sendable, Hashable, CaseIterable {
    case openai, anthropic, gemini
}

/// One proxied pipeline request, as the operator reads it afterwards.
public struct Interaction: Sendable, Hashable {
    public var id: UUID
    public var agentId: UUID
    /// `openai:chatCompletions`, `anthropic:messages` or `gemini:generateContent`.
    public var type: String
    /// The client's body as received (JSON text).
    public var requestJSON: String
    /// What the client got (JSON text); streams are reassembled.
    public var responseJSON: String
    public var model: String?
    public var statusCode: Int
    public var durationMs: Double
    /// The decisions taken on this request (JSON text of `InteractionEvaluation`).
    public var evaluationJSON: String
    public var createdAt: Date

    public init(
        id: UUID, agentId: UUID, type: String, requestJSON: String, responseJSON: String, model: String?,
        statusCode: Int, durationMs: Double, evaluationJSON: String, createdAt: Date
    ) {
        self.id = id
        self.agentId = agentId
        self.type = type
        self.requestJSON = requestJSON
        self.responseJSON = responseJSON
        self.model = model
        self.statusCode = statusCode
        self.durationMs = durationMs
        self.evaluationJSON = evaluationJSON
        self.createdAt = createdAt
    }
}

/// The evidence of every decision taken on one request.
public struct InteractionEvaluation: Sendable, Hashable {
    /// A judged tool result.
    public struct ToolResultVerdict: Sendable, Hashable {
        public var toolCallId: String
        public var toolName: String?
        public var verdict: String
        public var reason: String
        public var dualLlm: Bool

        public init(toolCallId: String, toolName: String?, verdict: String, reason: String, dualLlm: Bool) {
            self.toolCallId = toolCallId
            self.toolName = toolName
            self.verdict = verdict
            self.reason = reason
            self.dualLlm = dualLlm
        }
    }

    /// A judged tool call returned by the model.
    public struct ToolCallVerdict: Sendable, Hashable {
        public var toolCallId: String
        public var toolName: String
        public var allowed: Bool
        public var reason: String

        public init(toolCallId: String, toolName: String, allowed: Bool, reason: String) {
            self.toolCallId = toolCallId
            self.toolName = toolName
            self.allowed = allowed
            self.reason = reason
        }
    }

    public var contextIsTrusted: Bool
    public var toolResults: [ToolResultVerdict]
    public var toolCalls: [ToolCallVerdict]

    public init(contextIsTrusted: Bool = true, toolResults: [ToolResultVerdict] = [], toolCalls: [ToolCallVerdict] = []) {
        self.contextIsTrusted = contextIsTrusted
        self.toolResults = toolResults
        self.toolCalls = toolCalls
    }

    /// The evaluation as the JSON object the interaction record stores.
    public var json: JSONValue {
        .object(JSONObject([
            ("contextIsTrusted", .bool(contextIsTrusted)),
            ("toolResults", .array(toolResults.map { result in
                .object(JSONObject([
                    ("toolCallId", .string(result.toolCallId)),
                    ("toolName", result.toolName.map(JSONValue.string) ?? .null),
                    ("verdict", .string(result.verdict)),
                    ("reason", .string(result.reason)),
                    ("dualLlm", .bool(result.dualLlm)),
                ]))
            })),
            ("toolCalls", .array(toolCalls.map { call in
                .object(JSONObject([
                    ("toolCallId", .string(call.toolCallId)),
                    ("toolName", .string(call.toolName)),
                    ("allowed", .bool(call.allowed)),
                    ("reason", .string(call.reason)),
                ]))
            })),
        ]))
    }
}
