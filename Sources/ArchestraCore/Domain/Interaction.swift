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
    /// The end user the client named (`X-Archestra-User-Id`).
    public var userId: String?
    /// The session the client named (`X-Archestra-Session-Id`): its interactions read as one conversation.
    public var sessionId: String?
    /// A reply a later request may continue (Responses), stored with the record.
    public var relayedResponse: RelayedResponse?
    /// What lists and counts need, taken when the interaction is recorded so they never parse the bodies.
    public var summary: InteractionSummary?
    /// Tokens, cost and time to first token, from what the provider reported; nil for records from before usage
    /// was kept.
    public var usage: InteractionUsage?

    public init(
        id: UUID, agentId: UUID, type: String, requestJSON: String, responseJSON: String, model: String?,
        statusCode: Int, durationMs: Double, evaluationJSON: String, createdAt: Date, userId: String? = nil,
        sessionId: String? = nil, relayedResponse: RelayedResponse? = nil, summary: InteractionSummary? = nil,
        usage: InteractionUsage? = nil
    ) {
        self.summary = summary
        self.usage = usage
        self.userId = userId
        self.sessionId = sessionId
        self.relayedResponse = relayedResponse
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

        var json: JSONValue {
            .object(JSONObject([
                ("toolCallId", .string(toolCallId)), ("toolName", toolName.map(JSONValue.string) ?? .null),
                ("verdict", .string(verdict)), ("reason", .string(reason)), ("dualLlm", .bool(dualLlm)),
            ]))
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
    /// Untrusted content the provider's own tools produced in the reply (Responses hosted tools), judged like
    /// tool results; any that is not trusted makes the reply's calls judged in an untrusted context.
    public var replyToolResults: [ToolResultVerdict]
    /// Whether the endpoint can continue provider-side state (then `continuation` is written, null or not).
    public var tracksContinuation: Bool
    public var continuation: ContinuationVerdict?

    public init(
        contextIsTrusted: Bool = true, toolResults: [ToolResultVerdict] = [], toolCalls: [ToolCallVerdict] = [],
        replyToolResults: [ToolResultVerdict] = [], tracksContinuation: Bool = false, continuation: ContinuationVerdict? = nil
    ) {
        self.contextIsTrusted = contextIsTrusted
        self.toolResults = toolResults
        self.toolCalls = toolCalls
        self.replyToolResults = replyToolResults
        self.tracksContinuation = tracksContinuation
        self.continuation = continuation
    }

    /// The evaluation as the JSON object the interaction record stores.
    public var json: JSONValue {
        var object = JSONObject([
            ("contextIsTrusted", .bool(contextIsTrusted)),
            ("toolResults", .array(toolResults.map(\.json))),
            ("toolCalls", .array(toolCalls.map { call in
                .object(JSONObject([
                    ("toolCallId", .string(call.toolCallId)),
                    ("toolName", .string(call.toolName)),
                    ("allowed", .bool(call.allowed)),
                    ("reason", .string(call.reason)),
                ]))
            })),
        ])
        if !replyToolResults.isEmpty { object["replyToolResults"] = .array(replyToolResults.map(\.json)) }
        if tracksContinuation { object["continuation"] = continuation?.json ?? .null }
        return .object(object)
    }
}

/// A reply the gateway relayed that the provider keeps and a later request may continue: the trust of the
/// context its calls were judged in, and the names of its calls (a later `function_call_output` may answer one).
public struct RelayedResponse: Sendable, Hashable {
    public var id: String
    public var agentId: UUID
    public var trusted: Bool
    /// Tool name by call id.
    public var callNames: [String: String]
    public var createdAt: Date

    public init(id: String, agentId: UUID, trusted: Bool, callNames: [String: String], createdAt: Date) {
        self.id = id
        self.agentId = agentId
        self.trusted = trusted
        self.callNames = callNames
        self.createdAt = createdAt
    }

    /// The call names as stored JSON.
    public var callNamesJSON: String {
        JSONWriter.string(.object(JSONObject(callNames.keys.sorted().map { ($0, .string(callNames[$0]!)) })))
    }

    /// Reads stored call names.
    public static func callNames(fromJSON text: String) -> [String: String] {
        guard case .object(let object)? = try? JSONParser.parse(text) else { return [:] }
        var names: [String: String] = [:]
        for member in object.members { if let name = member.value.stringValue { names[member.key] = name } }
        return names
    }
}
