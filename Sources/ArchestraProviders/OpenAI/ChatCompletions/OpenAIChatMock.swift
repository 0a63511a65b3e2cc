import ArchestraCore

/// The canned OpenAI replies of benchmark mode: one `list_files` tool call.
public enum OpenAIChatMock {
    static let toolCall: JSONValue = [
        "id": "call_mock789", "type": "function",
        "function": ["name": "list_files", "arguments": "{\"path\": \".\"}"],
    ]

    /// The non-streaming `chat.completion`, `created` at the given Unix time.
    public static func completion(created: Int) -> JSONValue {
        [
            "id": "chatcmpl-mock123", "object": "chat.completion", "created": .integer(created), "model": "gpt-4o",
            "choices": [
                [
                    "index": 0,
                    "message": ["role": "assistant", "content": nil, "refusal": nil, "tool_calls": [toolCall]],
                    "finish_reason": "tool_calls", "logprobs": nil,
                ]
            ],
            "usage": ["prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99],
        ]
    }

    /// The streamed form: a tool-call chunk and a finishing chunk (the caller adds `[DONE]`).
    public static func chunks(created: Int) -> [JSONValue] {
        var indexedCall = toolCall.objectValue!
        indexedCall.members.insert(("index", 0), at: 0)
        func chunk(delta: JSONValue, finishReason: JSONValue) -> JSONValue {
            [
                "id": "chatcmpl-mock123", "object": "chat.completion.chunk", "created": .integer(created),
                "model": "gpt-4o",
                "choices": [["index": 0, "delta": delta, "finish_reason": finishReason, "logprobs": nil]],
            ]
        }
        return [
            chunk(
                delta: ["role": "assistant", "content": nil, "tool_calls": [.object(indexedCall)]],
                finishReason: nil
            ),
            chunk(delta: [:], finishReason: "tool_calls"),
        ]
    }
}
