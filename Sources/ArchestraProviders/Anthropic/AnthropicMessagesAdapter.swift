import ArchestraCore

/// The Anthropic Messages endpoint (`POST …/messages`): `tool_use` / `tool_result` blocks onto the neutral view
/// and back.
public struct AnthropicMessagesAdapter: EndpointAdapter {
    public init() {}

    public var endpoint: Endpoint { .anthropicMessages }

    public func parseRequest(_ value: JSONValue, route: RouteFacts) throws(ProviderRequestError) -> PipelineRequest {
        guard case .object(let body) = value else { throw ProviderRequestError("Request body must be a JSON object") }
        guard case .string(let model)? = body["model"] else { throw ProviderRequestError("Field 'model' must be a string") }
        guard case .array(let messages)? = body["messages"] else { throw ProviderRequestError("Field 'messages' must be an array") }
        for (index, message) in messages.enumerated() where message.objectValue == nil {
            throw ProviderRequestError("messages[\(index)] must be an object")
        }
        let stream: Bool
        switch body["stream"] {
        case nil, .null?: stream = false
        case .bool(let flag)?: stream = flag
        default: throw ProviderRequestError("Field 'stream' must be a boolean")
        }
        var declarations: [ToolDeclaration] = []
        if let tools = body["tools"], !tools.isNull {
            guard case .array(let items) = tools else { throw ProviderRequestError("Field 'tools' must be an array") }
            for (index, item) in items.enumerated() {
                guard case .object(let tool) = item, case .string(let name)? = tool["name"] else {
                    throw ProviderRequestError("tools[\(index)] must be an object with a string 'name'")
                }
                let schema = tool["input_schema"].flatMap { $0.isNull ? JSONValue?.none : $0 } ?? .object(JSONObject())
                declarations.append(ToolDeclaration(name: name, description: tool["description"]?.stringValue, parameters: schema))
            }
        }
        return PipelineRequest(body: body, model: model, stream: stream, toolDeclarations: declarations, messageCount: messages.count)
    }

    /// Positions of `tool_result` blocks: (message index, block index).
    private func toolResultPositions(in body: JSONObject) -> [(message: Int, block: Int)] {
        var positions: [(Int, Int)] = []
        for (messageIndex, message) in (body["messages"]?.arrayValue ?? []).enumerated() {
            for (blockIndex, block) in (message["content"]?.arrayValue ?? []).enumerated() where block["type"]?.stringValue == "tool_result" {
                positions.append((messageIndex, blockIndex))
            }
        }
        return positions
    }

    public func latestUserText(in body: JSONObject) -> String? {
        for message in (body["messages"]?.arrayValue ?? []).reversed() where message["role"]?.stringValue == "user" {
            if let text = joinedText(message["content"]), !text.isEmpty { return text }
        }
        return nil
    }

    /// Every `tool_result` block, named from the latest `tool_use` block with its id up to its own message. One
    /// pass: the names seen so far are kept by id.
    public func toolResults(in body: JSONObject) -> [NeutralToolResult] {
        var results: [NeutralToolResult] = []
        var names: [String: String] = [:]
        for message in body["messages"]?.arrayValue ?? [] {
            let blocks = message["content"]?.arrayValue ?? []
            for block in blocks where block["type"]?.stringValue == "tool_use" {
                if let id = block["id"]?.stringValue, let name = block["name"]?.stringValue { names[id] = name }
            }
            for block in blocks where block["type"]?.stringValue == "tool_result" {
                let id = block["tool_use_id"]?.stringValue ?? ""
                results.append(NeutralToolResult(toolCallId: id, toolName: names[id], value: Self.value(of: block["content"])))
            }
        }
        return results
    }

    /// A `tool_result` content as policies see it: the string (or its text blocks joined), parsed as JSON if it is.
    static func value(of content: JSONValue?) -> JSONValue {
        let text: String
        switch content {
        case .string(let string)?: text = string
        case .array(let blocks)?: text = blocks.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined()
        case let other?: return other
        case nil: return .string("")
        }
        return (try? JSONParser.parse(text)) ?? .string(text)
    }

    public func replacingToolResults(in body: JSONObject, with replacements: [Int: String]) -> JSONObject {
        guard !replacements.isEmpty, case .array(var messages)? = body["messages"] else { return body }
        let positions = toolResultPositions(in: body)
        for (index, text) in replacements where index < positions.count {
            let position = positions[index]
            guard case .object(var message) = messages[position.message], case .array(var blocks)? = message["content"],
                case .object(var block) = blocks[position.block]
            else { continue }
            block["content"] = .string(text)
            blocks[position.block] = .object(block)
            message["content"] = .array(blocks)
            messages[position.message] = .object(message)
        }
        var edited = body
        edited["messages"] = .array(messages)
        return edited
    }

    public func toolCalls(inResponse response: JSONObject) -> [NeutralToolCall] {
        (response["content"]?.arrayValue ?? []).compactMap { block in
            guard block["type"]?.stringValue == "tool_use" else { return nil }
            return NeutralToolCall(
                id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "",
                arguments: .parsed(block["input"] ?? .object(JSONObject()))
            )
        }
    }

    public func refusalResponse(replacing response: JSONObject, refusal: Refusal) -> JSONValue {
        var object = response
        object["content"] = [["type": "text", "text": .string(refusal.content)]]
        object["stop_reason"] = "end_turn"
        object["stop_sequence"] = .some(.null)
        return .object(object)
    }

    public func usage(inResponse response: JSONObject) -> TokenUsage? {
        Self.usage(in: response["usage"])
    }

    public func usageReport(inResponse response: JSONObject) -> UsageReport? {
        UsageReading.anthropicMessages(response["usage"])
    }

    public func replyText(in response: JSONValue) -> String? {
        joinedText(response["content"])
    }

    static func usage(in usage: JSONValue?) -> TokenUsage? {
        guard case .object(let object)? = usage else { return nil }
        let input = object["input_tokens"]?.intValue
        let output = object["output_tokens"]?.intValue
        return input == nil && output == nil ? nil : TokenUsage(input: input, output: output)
    }

    public func mockResponse(for request: PipelineRequest, created: Int) -> JSONValue {
        AnthropicMessagesMock.message(model: request.model)
    }

    public func mockStream(for request: PipelineRequest, created: Int) -> [[UInt8]] {
        AnthropicMessagesMock.events(model: request.model).map { ServerSentEvent.encode(event: $0.type, data: JSONWriter.string($0.data)) }
    }

    public func makeStream(for request: PipelineRequest) -> AnthropicMessagesStream {
        AnthropicMessagesStream()
    }
}
