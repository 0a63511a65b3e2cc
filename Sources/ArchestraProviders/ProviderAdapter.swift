import ArchestraCore

/// A validated pipeline request, in the terms every provider shares.
public struct PipelineRequest: Sendable {
    /// The whole body, members in the client's order.
    public let body: JSONObject
    public let model: String
    public let stream: Bool
    public let toolDeclarations: [ToolDeclaration]

    public init(body: JSONObject, model: String, stream: Bool, toolDeclarations: [ToolDeclaration]) {
        self.body = body
        self.model = model
        self.stream = stream
        self.toolDeclarations = toolDeclarations
    }
}

/// What a pipeline URL says besides the agent: the model and whether to stream, for providers that put them there.
public struct RouteFacts: Sendable, Equatable {
    public var model: String?
    public var streaming: Bool

    public init(model: String? = nil, streaming: Bool = false) {
        self.model = model
        self.streaming = streaming
    }
}

/// One provider's translator between its wire format and the neutral view (contract §3). Pure: no I/O.
/// Every provider switch of the pipeline lives behind this protocol.
public protocol ProviderAdapter: Sendable {
    associatedtype StreamAssembly: ProviderStreamAssembly

    var provider: Provider { get }
    /// The interaction record's `type`.
    var interactionType: String { get }

    /// Validates the body (§2.4), with what the URL said (Gemini names the model and streaming there).
    func parseRequest(_ body: JSONValue, route: RouteFacts) throws(ProviderRequestError) -> PipelineRequest
    /// The text of the latest user turn that has text (the Dual LLM's `{{originalUserRequest}}`).
    func latestUserText(in body: JSONObject) -> String?
    /// Every tool result of the conversation, in order.
    func toolResults(in body: JSONObject) -> [NeutralToolResult]
    /// The body with the tool results at these positions (indexes into `toolResults(in:)`) replaced by text
    /// (Gemini wraps it as `{"output": text}`).
    func replacingToolResults(in body: JSONObject, with replacements: [Int: String]) -> JSONObject
    /// The tool calls of a whole (non-streamed) reply.
    func toolCalls(inResponse response: JSONObject) -> [NeutralToolCall]
    /// The reply with its content replaced by the refusal; every other field kept (§3.4).
    func refusalResponse(replacing response: JSONObject, refusal: Refusal) -> JSONValue
    /// The tokens a whole reply reports.
    func usage(inResponse response: JSONObject) -> TokenUsage?
    /// Benchmark mode's canned reply.
    func mockResponse(for request: PipelineRequest, created: Int) -> JSONValue
    /// Benchmark mode's canned stream, as SSE bytes.
    func mockStream(for request: PipelineRequest, created: Int) -> [[UInt8]]
    /// Fresh state for reassembling one streamed reply.
    func makeStreamAssembly(for request: PipelineRequest) -> StreamAssembly
}

/// Follows one streamed reply event by event: what the provider said (for judging) and what the client got
/// (for the record), and writes the refusal in the provider's own stream framing (§3.5).
public protocol ProviderStreamAssembly: Sendable {
    /// Folds an event the provider sent; returns whether it carries a tool call (the gate holds from then on).
    mutating func observeUpstream(_ event: ServerSentEvent) -> Bool
    /// Folds an event that was sent on to the client.
    mutating func observeClient(_ event: ServerSentEvent)
    /// The tool calls reassembled from everything the provider sent.
    func toolCalls() -> [NeutralToolCall]
    /// The refusal events that replace the held ones (also folded into the client view).
    mutating func refusalEvents(_ refusal: Refusal) -> [UInt8]
    /// The reply the client received, reassembled (§3.6).
    func clientView() -> JSONValue
    /// The tokens the stream reported.
    func usage() -> TokenUsage?
}

/// Text of a message content that is a string or a list of parts/blocks, their `text` entries joined.
func joinedText(_ content: JSONValue?, textType: String = "text") -> String? {
    switch content {
    case .string(let text)?: return text
    case .array(let parts)?:
        let texts = parts.compactMap { part -> String? in
            if let type = part["type"]?.stringValue, type != textType { return nil }
            return part["text"]?.stringValue
        }
        return texts.isEmpty ? nil : texts.joined()
    default: return nil
    }
}
