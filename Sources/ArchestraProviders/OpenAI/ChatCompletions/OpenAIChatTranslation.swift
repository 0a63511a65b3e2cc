import ArchestraCore

/// Chat completions onto the neutral view and back: tool results in, tool calls out, and the edits (redaction,
/// summaries, refusals) applied back onto the original JSON. Pure.
extension OpenAIChatAdapter {
    /// A tool result with where it sits in `messages`, so an edit can be written back.
    public struct LocatedToolResult: Sendable {
        public var messageIndex: Int
        public var result: NeutralToolResult
    }

    /// Every `role: "tool"` message, named from the latest assistant `tool_calls` entry with its id before it.
    /// One pass over the messages: the names seen so far are kept by call id.
    public static func locatedToolResults(in body: JSONObject) -> [LocatedToolResult] {
        guard case .array(let messages)? = body["messages"] else { return [] }
        var located: [LocatedToolResult] = []
        var names: [String: String] = [:]
        for (index, message) in messages.enumerated() {
            switch message["role"]?.stringValue {
            case "assistant":
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    guard let id = call["id"]?.stringValue,
                        let name = call["function"]?["name"]?.stringValue ?? call["custom"]?["name"]?.stringValue
                    else { continue }
                    names[id] = name
                }
            case "tool":
                let callId = message["tool_call_id"]?.stringValue ?? ""
                located.append(LocatedToolResult(
                    messageIndex: index,
                    result: NeutralToolResult(toolCallId: callId, toolName: names[callId], value: value(of: message["content"]))
                ))
            default:
                continue
            }
        }
        return located
    }

    /// A tool message's content as policies see it: parsed JSON when the text is JSON, else the text itself.
    /// An array of parts counts as its text parts joined.
    public static func value(of content: JSONValue?) -> JSONValue {
        let text: String
        switch content {
        case .string(let string)?: text = string
        case .array(let parts)?: text = parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined()
        case let other?: return other
        case nil: return .null
        }
        return (try? JSONParser.parse(text)) ?? .string(text)
    }

    /// The body with each given message's `content` replaced.
    public static func replacingToolContents(in body: JSONObject, with replacements: [Int: String]) -> JSONObject {
        guard !replacements.isEmpty, case .array(var messages)? = body["messages"] else { return body }
        for (index, text) in replacements where index < messages.count {
            guard case .object(var message) = messages[index] else { continue }
            message["content"] = .string(text)
            messages[index] = .object(message)
        }
        var edited = body
        edited["messages"] = .array(messages)
        return edited
    }

    /// The tool calls of a `chat.completion`, in order across choices.
    public static func toolCalls(inCompletion completion: JSONValue) -> [NeutralToolCall] {
        var calls: [NeutralToolCall] = []
        for choice in completion["choices"]?.arrayValue ?? [] {
            for call in choice["message"]?["tool_calls"]?.arrayValue ?? [] { calls.append(neutralCall(call)) }
            // A legacy `function_call` is a call too, whatever the request asked for.
            if let function = choice["message"]?["function_call"], !function.isNull {
                calls.append(NeutralToolCall(
                    id: "function_call", name: function["name"]?.stringValue ?? "", argumentsText: function["arguments"]?.stringValue ?? ""
                ))
            }
        }
        return calls
    }

    static func neutralCall(_ call: JSONValue) -> NeutralToolCall {
        let id = call["id"]?.stringValue ?? ""
        if let custom = call["custom"], call["type"]?.stringValue == "custom" {
            return NeutralToolCall(id: id, name: custom["name"]?.stringValue ?? "", arguments: .parsed(.object(JSONObject())))
        }
        let function = call["function"]
        return NeutralToolCall(
            id: id, name: function?["name"]?.stringValue ?? "", argumentsText: function?["arguments"]?.stringValue ?? ""
        )
    }

    /// The completion with its choices replaced by the refusal message; every other field kept. The text is in
    /// `content` and `refusal` stays null: agent frameworks treat a non-null `refusal` as the model refusing and
    /// raise, so the agent would stop instead of reading why its call was denied.
    public static func refusalCompletion(replacing completion: JSONObject, with refusal: Refusal) -> JSONValue {
        var object = completion
        object["choices"] = [
            [
                "index": 0, "finish_reason": "stop", "logprobs": nil,
                "message": ["role": "assistant", "content": .string(refusal.content), "refusal": nil],
            ]
        ]
        return .object(object)
    }

    /// The streamed refusal chunk (followed by `data: [DONE]`); no refusal delta, for the same reason.
    public static func refusalChunk(id: JSONValue, created: JSONValue, model: JSONValue, refusal: Refusal) -> JSONValue {
        [
            "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [
                [
                    "index": 0,
                    "delta": ["role": "assistant", "content": .string(refusal.content)],
                    "finish_reason": "stop", "logprobs": nil,
                ]
            ],
        ]
    }

    /// Whether a parsed stream chunk carries a tool call (from then on the gate holds the stream).
    public static func chunkCarriesToolCall(_ chunk: JSONObject) -> Bool {
        for choice in chunk["choices"]?.arrayValue ?? [] {
            if let calls = choice["delta"]?["tool_calls"]?.arrayValue, !calls.isEmpty { return true }
            if let function = choice["delta"]?["function_call"], !function.isNull { return true }
        }
        return false
    }

    /// Whether a stream chunk's payload carries a tool call.
    public static func chunkCarriesToolCall(_ data: String) -> Bool {
        // Cheap pre-check: most chunks are text deltas and need no parse.
        guard data.containsBytes("tool_calls"), case .object(let chunk)? = try? JSONParser.parse(data) else { return false }
        return chunkCarriesToolCall(chunk)
    }

    /// `prompt_tokens` / `completion_tokens` of a `usage` object.
    public static func usage(in usage: JSONValue?) -> TokenUsage? {
        guard case .object(let object)? = usage else { return nil }
        let input = object["prompt_tokens"]?.intValue
        let output = object["completion_tokens"]?.intValue
        return input == nil && output == nil ? nil : TokenUsage(input: input, output: output)
    }
}
