import ArchestraCore

/// Translates OpenAI chat completions to and from the neutral view: tool results in, tool calls out, and the
/// edits (redaction, summaries, refusals) applied back onto the original JSON. Pure.
public enum OpenAIAdapter {
    /// A tool result with where it sits in `messages`, so an edit can be written back.
    public struct LocatedToolResult: Sendable {
        public var messageIndex: Int
        public var result: NeutralToolResult
    }

    /// Every `role: "tool"` message, named from the assistant `tool_calls` entry with its id (latest message first).
    public static func toolResults(in body: JSONObject) -> [LocatedToolResult] {
        guard case .array(let messages)? = body["messages"] else { return [] }
        var located: [LocatedToolResult] = []
        for (index, message) in messages.enumerated() where message["role"]?.stringValue == "tool" {
            let callId = message["tool_call_id"]?.stringValue ?? ""
            let name = toolName(forCallId: callId, in: messages, before: index)
            located.append(LocatedToolResult(
                messageIndex: index,
                result: NeutralToolResult(toolCallId: callId, toolName: name, value: value(of: message["content"]))
            ))
        }
        return located
    }

    private static func toolName(forCallId callId: String, in messages: [JSONValue], before index: Int) -> String? {
        for message in messages[..<index].reversed() where message["role"]?.stringValue == "assistant" {
            for call in message["tool_calls"]?.arrayValue ?? [] where call["id"]?.stringValue == callId {
                return call["function"]?["name"]?.stringValue ?? call["custom"]?["name"]?.stringValue
            }
        }
        return nil
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

    /// The completion with its choices replaced by the refusal message; every other field kept.
    public static func refusalCompletion(replacing completion: JSONObject, with refusal: Refusal) -> JSONValue {
        var object = completion
        object["choices"] = [
            [
                "index": 0, "finish_reason": "stop", "logprobs": nil,
                "message": ["role": "assistant", "content": .string(refusal.content), "refusal": .string(refusal.refusal)],
            ]
        ]
        return .object(object)
    }

    /// The streamed refusal chunk (followed by `data: [DONE]`).
    public static func refusalChunk(id: JSONValue, created: JSONValue, model: JSONValue, refusal: Refusal) -> JSONValue {
        [
            "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [
                [
                    "index": 0,
                    "delta": ["role": "assistant", "content": .string(refusal.content), "refusal": .string(refusal.refusal)],
                    "finish_reason": "stop", "logprobs": nil,
                ]
            ],
        ]
    }

    /// Whether a stream chunk's payload carries a tool call (from then on the gate holds the stream).
    public static func chunkCarriesToolCall(_ data: String) -> Bool {
        // Cheap pre-check: most chunks are text deltas and need no parse.
        guard data.containsBytes("tool_calls"), case .object(let chunk)? = try? JSONParser.parse(data) else { return false }
        for choice in chunk["choices"]?.arrayValue ?? [] {
            if let calls = choice["delta"]?["tool_calls"]?.arrayValue, !calls.isEmpty { return true }
        }
        return false
    }
}
