import ArchestraCore

/// Benchmark mode's canned Anthropic replies: one `list_files` tool use.
public enum AnthropicMessagesMock {
    static let toolUse: JSONValue = ["type": "tool_use", "id": "toolu_mock789", "name": "list_files", "input": ["path": "."]]

    /// The non-streaming message; `model` echoes the request.
    public static func message(model: String) -> JSONValue {
        [
            "id": "msg_mock123", "type": "message", "role": "assistant", "model": .string(model), "content": [toolUse],
            "stop_reason": "tool_use", "stop_sequence": nil, "usage": ["input_tokens": 82, "output_tokens": 17],
        ]
    }

    /// The streamed events, as (event type, data) pairs.
    public static func events(model: String) -> [(type: String, data: JSONValue)] {
        [
            ("message_start", [
                "type": "message_start",
                "message": [
                    "id": "msg_mock123", "type": "message", "role": "assistant", "model": .string(model), "content": [],
                    "stop_reason": nil, "stop_sequence": nil, "usage": ["input_tokens": 82, "output_tokens": 0],
                ],
            ]),
            ("content_block_start", [
                "type": "content_block_start", "index": 0,
                "content_block": ["type": "tool_use", "id": "toolu_mock789", "name": "list_files", "input": [:]],
            ]),
            ("content_block_delta", [
                "type": "content_block_delta", "index": 0,
                "delta": ["type": "input_json_delta", "partial_json": "{\"path\": \".\"}"],
            ]),
            ("content_block_stop", ["type": "content_block_stop", "index": 0]),
            ("message_delta", [
                "type": "message_delta", "delta": ["stop_reason": "tool_use", "stop_sequence": nil],
                "usage": ["output_tokens": 17],
            ]),
            ("message_stop", ["type": "message_stop"]),
        ]
    }
}
