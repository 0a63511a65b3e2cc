import ArchestraCore

/// A validated pipeline request, in the terms every endpoint shares.
public struct PipelineRequest: Sendable {
    /// The whole body, members in the client's order.
    public let body: JSONObject
    public let model: String
    public let stream: Bool
    public let toolDeclarations: [ToolDeclaration]
    /// How many messages (turns, contents, input items) the conversation holds.
    public let messageCount: Int

    public init(body: JSONObject, model: String, stream: Bool, toolDeclarations: [ToolDeclaration], messageCount: Int = 0) {
        self.body = body
        self.model = model
        self.stream = stream
        self.toolDeclarations = toolDeclarations
        self.messageCount = messageCount
    }
}

/// What a pipeline URL says besides the agent: the model and whether to stream, for endpoints that put them there.
public struct RouteFacts: Sendable, Equatable {
    public var model: String?
    public var streaming: Bool

    public init(model: String? = nil, streaming: Bool = false) {
        self.model = model
        self.streaming = streaming
    }
}

/// One client API's translator between its wire format and the neutral view. Pure: no I/O. Every difference
/// between endpoints that the pipeline needs lives behind this protocol; vendor facts (keys, base URLs, error
/// shapes) live in `Vendor`.
public protocol EndpointAdapter: Sendable {
    associatedtype Stream: StreamTransducer

    var endpoint: Endpoint { get }

    /// Validates the body, with what the URL said (Gemini names the model and streaming there).
    func parseRequest(_ body: JSONValue, route: RouteFacts) throws(ProviderRequestError) -> PipelineRequest
    /// The text of the latest user turn that has text (the Dual LLM's `{{originalUserRequest}}`).
    func latestUserText(in body: JSONObject) -> String?
    /// Every tool result of the conversation, in order.
    func toolResults(in body: JSONObject) -> [NeutralToolResult]
    /// The body with the tool results at these positions (indexes into `toolResults(in:)`) replaced by text.
    func replacingToolResults(in body: JSONObject, with replacements: [Int: String]) -> JSONObject
    /// The tool calls of a whole (non-streamed) reply.
    func toolCalls(inResponse response: JSONObject) -> [NeutralToolCall]
    /// The reply with its content replaced by the refusal; every other field kept.
    func refusalResponse(replacing response: JSONObject, refusal: Refusal) -> JSONValue
    /// The tokens a whole reply reports.
    func usage(inResponse response: JSONObject) -> TokenUsage?
    /// The tokens a whole reply reports, every kind, in the terms prices are quoted in.
    func usageReport(inResponse response: JSONObject) -> UsageReport?
    /// The assistant's text in a reply (or reassembled stream), for the record's summary.
    func replyText(in response: JSONValue) -> String?
    /// Benchmark mode's canned reply.
    func mockResponse(for request: PipelineRequest, created: Int) -> JSONValue
    /// Benchmark mode's canned stream, as SSE bytes.
    func mockStream(for request: PipelineRequest, created: Int) -> [[UInt8]]
    /// Fresh state for following one streamed reply.
    func makeStream(for request: PipelineRequest) -> Stream
    /// Content the provider's own tools produced in a whole reply, judged like tool results.
    func hostedResults(inResponse response: JSONObject, request: PipelineRequest) -> [NeutralToolResult]
    /// The provider-side state the request continues.
    func continuation(of request: PipelineRequest) -> Continuation?
    /// The id the provider gave a whole reply, remembered for continuations.
    func responseId(of response: JSONObject) -> String?
    /// Whether requests can continue provider-side state.
    var tracksContinuation: Bool { get }
}

extension EndpointAdapter {
    /// Content the provider's own tools produced in a whole reply, judged like tool results (none by default).
    public func hostedResults(inResponse response: JSONObject, request: PipelineRequest) -> [NeutralToolResult] { [] }
    /// The provider-side state the request continues (none by default).
    public func continuation(of request: PipelineRequest) -> Continuation? { nil }
    /// The id the provider gave a whole reply, remembered for continuations (none by default).
    public func responseId(of response: JSONObject) -> String? { nil }
    /// Whether requests can continue provider-side state, so the record always says whether one did.
    public var tracksContinuation: Bool { false }

    /// The vendor behind the endpoint.
    public var provider: Provider { endpoint.provider }
    /// The interaction record's `type`.
    public var interactionType: String { endpoint.interactionType }
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
