import ArchestraCore

/// The OpenAI Responses endpoint (`POST …/responses`): `function_call_output` items and the output of the
/// provider's own tools onto the neutral view, `function_call` items out, the refusal as one assistant message.
public struct OpenAIResponsesAdapter: EndpointAdapter {
    public init() {}

    public var endpoint: Endpoint { .openAIResponses }
    public var tracksContinuation: Bool { true }

    public func parseRequest(_ body: JSONValue, route: RouteFacts) throws(ProviderRequestError) -> PipelineRequest {
        let request = try OpenAIResponsesRequest(body: body)
        return PipelineRequest(
            body: request.body, model: request.model, stream: request.stream, toolDeclarations: request.toolDeclarations,
            messageCount: request.messageCount
        )
    }

    /// `input` when it is a string, else the last user message: its string content or its `input_text` parts.
    public func latestUserText(in body: JSONObject) -> String? {
        if case .string(let text)? = body["input"] { return text }
        for item in (body["input"]?.arrayValue ?? []).reversed() where Self.isMessage(item) && item["role"]?.stringValue == "user" {
            if let text = joinedText(item["content"], textType: "input_text"), !text.isEmpty { return text }
        }
        return nil
    }

    /// An item with a role and no type, or of type `message`.
    static func isMessage(_ item: JSONValue) -> Bool {
        item["role"] != nil && (item["type"] == nil || item["type"]?.stringValue == "message")
    }

    public func toolResults(in body: JSONObject) -> [NeutralToolResult] {
        Self.locatedToolResults(in: body).map(\.result)
    }

    /// Every tool output of `input` with its position: `function_call_output` and `custom_tool_call_output` items
    /// (named from the call item with the same `call_id`), and the items of the provider's own tools.
    static func locatedToolResults(in body: JSONObject) -> [(position: Int, result: NeutralToolResult)] {
        guard case .array(let items)? = body["input"] else { return [] }
        var names: [String: String] = [:]
        for item in items {
            guard let type = item["type"]?.stringValue, type == "function_call" || type == "custom_tool_call",
                let callId = item["call_id"]?.stringValue, let name = item["name"]?.stringValue
            else { continue }
            names[callId] = name
        }
        let declared = declaredNames(in: body)
        var located: [(Int, NeutralToolResult)] = []
        for (position, item) in items.enumerated() {
            switch item["type"]?.stringValue {
            case "function_call_output"?, "custom_tool_call_output"?:
                let callId = item["call_id"]?.stringValue ?? ""
                located.append((position, NeutralToolResult(toolCallId: callId, toolName: names[callId], value: outputValue(item["output"]))))
            default:
                if let hosted = ResponsesHostedTools.results(in: [item], declared: declared).first { located.append((position, hosted)) }
            }
        }
        return located
    }

    /// A tool output as policies see it: the string, or the text of its parts joined with a line break; parsed as
    /// JSON when it is JSON.
    static func outputValue(_ output: JSONValue?) -> JSONValue {
        switch output {
        case .string?, .array?:
            let text = outputText(output)
            return (try? JSONParser.parse(text)) ?? .string(text)
        case let other?: return other
        case nil: return .null
        }
    }

    /// A tool output as text: the string, or the text of its parts joined with a line break.
    static func outputText(_ output: JSONValue?) -> String {
        switch output {
        case .string(let string)?: string
        case .array(let parts)?: parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        case let other?: JSONWriter.string(other)
        case nil: ""
        }
    }

    /// The names the request declares its tools under (hosted ones by type).
    static func declaredNames(in body: JSONObject) -> [String] {
        (body["tools"]?.arrayValue ?? []).compactMap { tool in
            guard case .object(let object) = tool, let type = object["type"]?.stringValue else { return nil }
            if type == "function" || type == "custom" { return object["name"]?.stringValue }
            return ResponsesHostedTools.declaredName(type: type, tool: object)
        }
    }

    /// Redaction and summaries replace an output item's `output` with text; the provider's own items are never
    /// rewritten (the model has already read them).
    public func replacingToolResults(in body: JSONObject, with replacements: [Int: String]) -> JSONObject {
        guard !replacements.isEmpty, case .array(var items)? = body["input"] else { return body }
        let located = Self.locatedToolResults(in: body)
        for (index, text) in replacements where index < located.count && !located[index].result.hosted {
            guard case .object(var item) = items[located[index].position] else { continue }
            item["output"] = .string(text)
            items[located[index].position] = .object(item)
        }
        var edited = body
        edited["input"] = .array(items)
        return edited
    }

    public func toolCalls(inResponse response: JSONObject) -> [NeutralToolCall] {
        Self.toolCalls(in: response["output"]?.arrayValue ?? [])
    }

    /// `function_call` items (arguments as text) and `custom_tool_call` items (judged as having no arguments).
    static func toolCalls(in items: [JSONValue]) -> [NeutralToolCall] {
        items.compactMap { item in
            let callId = item["call_id"]?.stringValue ?? item["id"]?.stringValue ?? ""
            let name = item["name"]?.stringValue ?? ""
            switch item["type"]?.stringValue {
            case "function_call"?: return NeutralToolCall(id: callId, name: name, argumentsText: item["arguments"]?.stringValue ?? "")
            case "custom_tool_call"?: return NeutralToolCall(id: callId, name: name, arguments: .parsed(.object(JSONObject())))
            default: return nil
            }
        }
    }

    public func hostedResults(inResponse response: JSONObject, request: PipelineRequest) -> [NeutralToolResult] {
        ResponsesHostedTools.results(in: response["output"]?.arrayValue ?? [], declared: request.toolDeclarations.map(\.name))
    }

    public func continuation(of request: PipelineRequest) -> Continuation? {
        if case .string(let id)? = request.body["previous_response_id"] { return Continuation(kind: .previousResponse, id: id) }
        switch request.body["conversation"] {
        case .string(let id)?: return Continuation(kind: .conversation, id: id)
        case .object(let conversation)?: return conversation["id"]?.stringValue.map { Continuation(kind: .conversation, id: $0) }
        default: return nil
        }
    }

    public func responseId(of response: JSONObject) -> String? { response["id"]?.stringValue }

    /// Whether items put into a conversation (at its creation, or added later) keep it trusted: only when every
    /// one is a kind known to carry no tool output — a message, the model's own calls, its reasoning. Anything
    /// else (a function, custom or provider-side tool's output, a reference to another item, a kind this gateway
    /// does not know yet) taints it, and so does a body that is not what the API expects.
    public static func conversationItemsKeepTrust(_ body: JSONValue) -> Bool {
        guard case .object(let object) = body else { return false }
        guard let items = object["items"] else { return true }
        guard case .array(let list) = items else { return false }
        for item in list {
            guard case .object(let fields) = item else { return false }
            switch fields["type"] {
            case nil:
                // The short form of a message: `{"role": …, "content": …}`.
                guard fields["role"] != nil else { return false }
            case .string(let type)? where Self.itemTypesWithoutToolOutput.contains(type):
                continue
            default:
                return false
            }
        }
        return true
    }

    static let itemTypesWithoutToolOutput: Set<String> = ["message", "function_call", "custom_tool_call", "reasoning"]

    /// Every top-level field kept; `output` becomes the one assistant message with the refusal text.
    public func refusalResponse(replacing response: JSONObject, refusal: Refusal) -> JSONValue {
        var object = response
        object["output"] = [ResponsesRefusal.message(refusal, responseId: response["id"]?.stringValue ?? "", status: "completed")]
        return .object(object)
    }

    public func usage(inResponse response: JSONObject) -> TokenUsage? {
        Self.usage(in: response["usage"])
    }

    public func usageReport(inResponse response: JSONObject) -> UsageReport? {
        UsageReading.openAIResponses(response["usage"])
    }

    public func replyText(in response: JSONValue) -> String? {
        let parts = (response["output"]?.arrayValue ?? []).filter { $0["type"]?.stringValue == "message" }
            .flatMap { $0["content"]?.arrayValue ?? [] }
        let texts = parts.compactMap { $0["type"]?.stringValue == "output_text" ? $0["text"]?.stringValue : nil }
        return texts.isEmpty ? nil : texts.joined()
    }

    /// `input_tokens` / `output_tokens` of a `usage` object.
    static func usage(in usage: JSONValue?) -> TokenUsage? {
        guard case .object(let object)? = usage else { return nil }
        let input = object["input_tokens"]?.intValue
        let output = object["output_tokens"]?.intValue
        return input == nil && output == nil ? nil : TokenUsage(input: input, output: output)
    }

    public func mockResponse(for request: PipelineRequest, created: Int) -> JSONValue {
        OpenAIResponsesMock.response(model: request.model, created: created)
    }

    public func mockStream(for request: PipelineRequest, created: Int) -> [[UInt8]] {
        OpenAIResponsesMock.events(model: request.model, created: created).map { event in
            ServerSentEvent.encode(event: event["type"]?.stringValue, data: JSONWriter.string(event))
        }
    }

    public func makeStream(for request: PipelineRequest) -> OpenAIResponsesStream {
        OpenAIResponsesStream(declaredTools: request.toolDeclarations.map(\.name))
    }
}
