import ArchestraCore

/// The Responses form of the e-mail scenario's stream and refusal, written out by hand.
enum ResponsesScenarioStream {
    /// The refusal message's id is `msg_` and 32 hex digits of the gateway's choosing; comparisons use this.
    static let refusalId = "msg_<refusal>"

    /// The value with every refusal-shaped message id replaced by `refusalId`.
    static func normalizingIds(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text) where text.hasPrefix("msg_") && text.count == 36 && text.dropFirst(4).allSatisfy(\.isHexDigit):
            return .string(refusalId)
        case .array(let items): return .array(items.map(normalizingIds))
        case .object(let object): return .object(JSONObject(object.members.map { ($0.key, normalizingIds($0.value)) }))
        default: return value
        }
    }

    static func textPart(_ text: String) -> JSONValue { ["type": "output_text", "text": .string(text), "annotations": []] }

    static func refusalMessage(_ content: JSONValue, status: String = "completed") -> JSONValue {
        [
            "type": "message", "id": .string(refusalId), "status": .string(status), "role": "assistant",
            "content": status == "completed" ? [textPart(content.stringValue ?? "")] : [],
        ]
    }

    static let textMessage: JSONValue = [
        "type": "message", "id": "msg_exfil2", "status": "completed", "role": "assistant",
        "content": [["type": "output_text", "text": .string(ScenarioProvider.replyText), "annotations": []]],
    ]

    static let usage: JSONValue = ["input_tokens": 310, "output_tokens": 42, "total_tokens": 352]

    static func response(status: String, output: [JSONValue], usage: JSONValue) -> JSONValue {
        [
            "id": "resp_exfil2", "object": "response", "created_at": 1_760_000_301, "status": .string(status),
            "model": "gpt-4o-2024-08-06", "output": .array(output), "usage": usage,
        ]
    }

    static func event(_ type: String, _ sequence: Int, _ members: JSONObject) -> String {
        var object: JSONObject = ["type": .string(type), "sequence_number": .integer(sequence)]
        for member in members.members { object[member.key] = member.value }
        return JSONWriter.string(.object(object))
    }

    /// Text events (message item, two deltas), then the held `send_email` call and `response.completed`.
    static func events(pieces: [String], frame: (String, String) -> String) -> (text: [String], toolCall: [String]) {
        let call: JSONValue = [
            "type": "function_call", "id": "fc_send_1", "call_id": "call_send_1", "name": "send_email",
            "arguments": .string(pieces.joined()), "status": "completed",
        ]
        let text: [(String, JSONObject)] = [
            ("response.created", ["response": response(status: "in_progress", output: [], usage: nil)]),
            ("response.output_item.added", ["output_index": 0, "item": ["type": "message", "id": "msg_exfil2", "status": "in_progress", "role": "assistant", "content": []]]),
            ("response.content_part.added", ["item_id": "msg_exfil2", "output_index": 0, "content_index": 0, "part": textPart("")]),
            ("response.output_text.delta", ["item_id": "msg_exfil2", "output_index": 0, "content_index": 0, "delta": "I'll forward ", "logprobs": []]),
            ("response.output_text.delta", ["item_id": "msg_exfil2", "output_index": 0, "content_index": 0, "delta": "that now.", "logprobs": []]),
            ("response.output_text.done", ["item_id": "msg_exfil2", "output_index": 0, "content_index": 0, "text": .string(ScenarioProvider.replyText), "logprobs": []]),
            ("response.content_part.done", ["item_id": "msg_exfil2", "output_index": 0, "content_index": 0, "part": textPart(ScenarioProvider.replyText)]),
            ("response.output_item.done", ["output_index": 0, "item": textMessage]),
        ]
        let held: [(String, JSONObject)] = [
            ("response.output_item.added", ["output_index": 1, "item": ["type": "function_call", "id": "fc_send_1", "call_id": "call_send_1", "name": "send_email", "arguments": "", "status": "in_progress"]]),
            ("response.function_call_arguments.delta", ["item_id": "fc_send_1", "output_index": 1, "delta": .string(pieces[0])]),
            ("response.function_call_arguments.delta", ["item_id": "fc_send_1", "output_index": 1, "delta": .string(pieces[1])]),
            ("response.function_call_arguments.done", ["item_id": "fc_send_1", "output_index": 1, "arguments": .string(pieces.joined())]),
            ("response.output_item.done", ["output_index": 1, "item": call]),
            ("response.completed", ["response": response(status: "completed", output: [textMessage, call], usage: usage)]),
        ]
        let all = (text + held).enumerated().map { index, event in frame(Self.event(event.0, index, event.1), event.0) }
        return (Array(all.prefix(text.count)), Array(all.dropFirst(text.count)))
    }

    /// The events that replace the held ones: sequence numbers from 8, output index 1, the refusal message.
    static func refusalEvents(content: String) -> [(event: String?, data: String)] {
        let located: JSONObject = ["item_id": .string(refusalId), "output_index": 1, "content_index": 0]
        func with(_ extra: JSONObject) -> JSONObject {
            var object = located
            for member in extra.members { object[member.key] = member.value }
            return object
        }
        let done = refusalMessage(.string(content))
        let events: [(String, JSONObject)] = [
            ("response.output_item.added", ["output_index": 1, "item": refusalMessage(.string(content), status: "in_progress")]),
            ("response.content_part.added", with(["part": textPart("")])),
            ("response.output_text.delta", with(["delta": .string(content), "logprobs": []])),
            ("response.output_text.done", with(["text": .string(content), "logprobs": []])),
            ("response.content_part.done", with(["part": textPart(content)])),
            ("response.output_item.done", ["output_index": 1, "item": done]),
            ("response.completed", ["response": response(status: "completed", output: [textMessage, done], usage: usage)]),
        ]
        return events.enumerated().map { index, event in (event.0, Self.event(event.0, 8 + index, event.1)) }
    }
}
