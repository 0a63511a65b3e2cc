import ArchestraCore

/// Benchmark mode's canned Responses replies: one `list_files` function call.
public enum OpenAIResponsesMock {
    static let arguments = "{\"path\": \".\"}"

    static func call(status: String, arguments: String) -> JSONValue {
        [
            "type": "function_call", "id": "fc_mock789", "call_id": "call_mock789", "name": "list_files",
            "arguments": .string(arguments), "status": .string(status),
        ]
    }

    /// The whole response; `model` echoes the request, `created_at` is the given Unix time.
    public static func response(model: String, created: Int) -> JSONValue {
        [
            "id": "resp_mock123", "object": "response", "created_at": .integer(created), "status": "completed",
            "model": .string(model), "output": [call(status: "completed", arguments: arguments)],
            "usage": ["input_tokens": 82, "output_tokens": 17, "total_tokens": 99],
        ]
    }

    /// The streamed events, each with its `type` and `sequence_number`.
    public static func events(model: String, created: Int) -> [JSONValue] {
        var started = response(model: model, created: created).objectValue!
        started["status"] = "in_progress"
        started["output"] = []
        started["usage"] = .null
        let bodies: [JSONObject] = [
            ["type": "response.created", "response": .object(started)],
            ["type": "response.output_item.added", "output_index": 0, "item": call(status: "in_progress", arguments: "")],
            ["type": "response.function_call_arguments.delta", "item_id": "fc_mock789", "output_index": 0, "delta": .string(arguments)],
            ["type": "response.function_call_arguments.done", "item_id": "fc_mock789", "output_index": 0, "arguments": .string(arguments)],
            ["type": "response.output_item.done", "output_index": 0, "item": call(status: "completed", arguments: arguments)],
            ["type": "response.completed", "response": response(model: model, created: created)],
        ]
        return bodies.enumerated().map { index, body in
            var event = body
            event.members.insert(("sequence_number", .integer(index)), at: 1)
            return .object(event)
        }
    }
}
