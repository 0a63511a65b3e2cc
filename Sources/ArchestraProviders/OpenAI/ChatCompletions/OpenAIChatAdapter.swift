import ArchestraCore

/// The OpenAI chat-completions endpoint (`POST …/chat/completions`).
public struct OpenAIChatAdapter: EndpointAdapter {
    public init() {}

    public var endpoint: Endpoint { .openAIChatCompletions }

    public func parseRequest(_ body: JSONValue, route: RouteFacts) throws(ProviderRequestError) -> PipelineRequest {
        let chat = try OpenAIChatRequest(body: body)
        return PipelineRequest(
            body: chat.body, model: chat.model, stream: chat.stream, toolDeclarations: chat.toolDeclarations,
            messageCount: chat.body["messages"]?.arrayValue?.count ?? 0
        )
    }

    public func latestUserText(in body: JSONObject) -> String? {
        for message in (body["messages"]?.arrayValue ?? []).reversed() where message["role"]?.stringValue == "user" {
            if let text = joinedText(message["content"]), !text.isEmpty { return text }
        }
        return nil
    }

    public func toolResults(in body: JSONObject) -> [NeutralToolResult] {
        Self.locatedToolResults(in: body).map(\.result)
    }

    public func replacingToolResults(in body: JSONObject, with replacements: [Int: String]) -> JSONObject {
        let located = Self.locatedToolResults(in: body)
        var byMessage: [Int: String] = [:]
        for (index, text) in replacements where index < located.count { byMessage[located[index].messageIndex] = text }
        return Self.replacingToolContents(in: body, with: byMessage)
    }

    public func toolCalls(inResponse response: JSONObject) -> [NeutralToolCall] {
        Self.toolCalls(inCompletion: .object(response))
    }

    public func refusalResponse(replacing response: JSONObject, refusal: Refusal) -> JSONValue {
        Self.refusalCompletion(replacing: response, with: refusal)
    }

    public func usage(inResponse response: JSONObject) -> TokenUsage? {
        Self.usage(in: response["usage"])
    }

    public func usageReport(inResponse response: JSONObject) -> UsageReport? {
        UsageReading.openAIChat(response["usage"])
    }

    public func replyText(in response: JSONValue) -> String? {
        joinedText(response["choices"]?.arrayValue?.first?["message"]?["content"])
    }

    public func mockResponse(for request: PipelineRequest, created: Int) -> JSONValue {
        OpenAIChatMock.completion(created: created)
    }

    public func mockStream(for request: PipelineRequest, created: Int) -> [[UInt8]] {
        OpenAIChatMock.chunks(created: created).map { ServerSentEvent.encode(data: JSONWriter.string($0)) }
            + [ServerSentEvent.encode(data: "[DONE]")]
    }

    public func makeStream(for request: PipelineRequest) -> OpenAIChatStream {
        OpenAIChatStream(model: request.model)
    }
}

/// Follows a chat-completion chunk stream: tool-call chunks are those with `delta.tool_calls`.
public struct OpenAIChatStream: StreamTransducer {
    private let model: String
    private var assembler = OpenAIStreamAssembler()

    public init(model: String) {
        self.model = model
    }

    public func observe(_ event: ServerSentEvent) -> (observation: JSONObject?, carriesToolCall: Bool) {
        if event.data == "[DONE]" || event.data.isEmpty { return (nil, false) }
        guard case .object(let chunk)? = try? JSONParser.parse(event.data) else { return (nil, StreamEvents.unreadableHolds) }
        return (chunk, OpenAIChatAdapter.chunkCarriesToolCall(chunk))
    }

    public mutating func fold(_ observation: JSONObject?) {
        if let observation { assembler.add(chunk: observation) }
    }

    public func toolCalls() -> [NeutralToolCall] {
        OpenAIChatAdapter.toolCalls(inCompletion: assembler.completion())
    }

    public func assembled() -> JSONValue { assembler.completion() }

    public func usage() -> TokenUsage? { OpenAIChatAdapter.usage(in: assembler.usage) }

    public func usageReport() -> UsageReport? { UsageReading.openAIChat(assembler.usage) }

    public func carriesFirstToken(_ observation: JSONObject?) -> Bool { observation.map(FirstToken.openAIChat) ?? false }

    public mutating func refusalEvents(_ refusal: Refusal, upstream: OpenAIChatStream) -> [UInt8] {
        let chunk = OpenAIChatAdapter.refusalChunk(
            id: upstream.assembler.id, created: upstream.assembler.created, model: .string(model), refusal: refusal
        )
        if case .object(let object) = chunk { assembler.add(chunk: object) }
        return ServerSentEvent.encode(data: JSONWriter.string(chunk)) + ServerSentEvent.encode(data: "[DONE]")
    }
}
