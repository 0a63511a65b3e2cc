import ArchestraCore

/// The OpenAI chat-completions translator the pipeline uses.
public struct OpenAIChatAdapter: ProviderAdapter {
    public init() {}

    public var provider: Provider { .openai }
    public var interactionType: String { "openai:chatCompletions" }

    public func parseRequest(_ body: JSONValue, route: RouteFacts) throws(ProviderRequestError) -> PipelineRequest {
        let chat = try OpenAIChatRequest(body: body)
        return PipelineRequest(body: chat.body, model: chat.model, stream: chat.stream, toolDeclarations: chat.toolDeclarations)
    }

    public func latestUserText(in body: JSONObject) -> String? {
        for message in (body["messages"]?.arrayValue ?? []).reversed() where message["role"]?.stringValue == "user" {
            if let text = joinedText(message["content"]), !text.isEmpty { return text }
        }
        return nil
    }

    public func toolResults(in body: JSONObject) -> [NeutralToolResult] {
        OpenAIAdapter.toolResults(in: body).map(\.result)
    }

    public func replacingToolResults(in body: JSONObject, with replacements: [Int: String]) -> JSONObject {
        let located = OpenAIAdapter.toolResults(in: body)
        var byMessage: [Int: String] = [:]
        for (index, text) in replacements where index < located.count { byMessage[located[index].messageIndex] = text }
        return OpenAIAdapter.replacingToolContents(in: body, with: byMessage)
    }

    public func toolCalls(inResponse response: JSONObject) -> [NeutralToolCall] {
        OpenAIAdapter.toolCalls(inCompletion: .object(response))
    }

    public func refusalResponse(replacing response: JSONObject, refusal: Refusal) -> JSONValue {
        OpenAIAdapter.refusalCompletion(replacing: response, with: refusal)
    }

    public func usage(inResponse response: JSONObject) -> TokenUsage? {
        OpenAIAdapter.usage(in: response["usage"])
    }

    public func mockResponse(for request: PipelineRequest, created: Int) -> JSONValue {
        OpenAIMock.completion(created: created)
    }

    public func mockStream(for request: PipelineRequest, created: Int) -> [[UInt8]] {
        OpenAIMock.chunks(created: created).map { ServerSentEvent.encode(data: JSONWriter.string($0)) }
            + [ServerSentEvent.encode(data: "[DONE]")]
    }

    public func makeStreamAssembly(for request: PipelineRequest) -> OpenAIStreamAssembly {
        OpenAIStreamAssembly(model: request.model)
    }
}

/// Follows an OpenAI chunk stream: tool-call chunks are those with `delta.tool_calls`.
public struct OpenAIStreamAssembly: ProviderStreamAssembly {
    private let model: String
    private var upstream = OpenAIStreamAssembler()
    private var client = OpenAIStreamAssembler()

    public init(model: String) {
        self.model = model
    }

    public mutating func observeUpstream(_ event: ServerSentEvent) -> Bool {
        upstream.add(data: event.data)
        return OpenAIAdapter.chunkCarriesToolCall(event.data)
    }

    public mutating func observeClient(_ event: ServerSentEvent) {
        client.add(data: event.data)
    }

    public func toolCalls() -> [NeutralToolCall] {
        OpenAIAdapter.toolCalls(inCompletion: upstream.completion())
    }

    public mutating func refusalEvents(_ refusal: Refusal) -> [UInt8] {
        let completion = upstream.completion()
        let chunk = OpenAIAdapter.refusalChunk(
            id: completion["id"] ?? .null, created: completion["created"] ?? .null, model: .string(model), refusal: refusal
        )
        let data = JSONWriter.string(chunk)
        client.add(data: data)
        return ServerSentEvent.encode(data: data) + ServerSentEvent.encode(data: "[DONE]")
    }

    public func clientView() -> JSONValue { client.completion() }

    public func usage() -> TokenUsage? {
        OpenAIAdapter.usage(in: upstream.completion()["usage"])
    }
}

extension OpenAIAdapter {
    /// `prompt_tokens` / `completion_tokens` of a `usage` object.
    public static func usage(in usage: JSONValue?) -> TokenUsage? {
        guard case .object(let object)? = usage else { return nil }
        let input = object["prompt_tokens"]?.intValue
        let output = object["completion_tokens"]?.intValue
        return input == nil && output == nil ? nil : TokenUsage(input: input, output: output)
    }
}
