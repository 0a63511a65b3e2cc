import ArchestraCore
import ArchestraProviders

/// A streamed Anthropic message as the Messages API sends it: `message_start`, a `ping`, a text block, a `tool_use`
/// block whose input arrives as `input_json_delta` pieces split inside strings and inside a multi-byte character,
/// `message_delta` with usage, `message_stop` — with the fields real streams carry besides the documented ones
/// (`cache_*` usage, `service_tier`, a `ping` written with spaces).
enum AnthropicStreamFixture {
    /// (event type, data) in stream order.
    static let events: [(type: String, data: String)] = [
        ("message_start", #"{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2,"service_tier":"standard"}}}"#),
        ("ping", #"{"type": "ping"}"#),
        ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let me check the weather in Zürich 🌤"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" — one moment…"}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"Z"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ürich, CH\", \"unit\": \"cel"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"sius\", \"days\": 3}"}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"#),
        ("message_stop", #"{"type":"message_stop"}"#),
    ]

    /// Index (in `events`) of the `tool_use` block's `content_block_start`: the first tool-call event.
    static let firstToolCallEvent = 6

    /// The stream exactly as Anthropic frames it: `event: <type>\ndata: <json>\n\n`.
    static var bytes: [UInt8] { Array(events.map { "event: \($0.type)\ndata: \($0.data)\n\n" }.joined().utf8) }

    /// The message the stream reassembles to.
    static let assembled = #"""
        {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
         "content":[
           {"type":"text","text":"Okay, let me check the weather in Zürich 🌤 — one moment…"},
           {"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{"location":"Zürich, CH","unit":"celsius","days":3}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":89,"service_tier":"standard"}}
        """#

    /// The tool call the stream carries.
    static let toolCall = NeutralToolCall(
        id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather",
        arguments: .parsed(["location": "Zürich, CH", "unit": "celsius", "days": 3])
    )

    /// A stream that opens with a tool_use block (no text) and reports no usage in `message_delta`.
    static let toolFirstEvents: [(type: String, data: String)] = [
        ("message_start", #"{"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}"#),
        ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_02","name":"send_email","input":{}}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"to\":\"a@evil.example\"}"}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null}}"#),
        ("message_stop", #"{"type":"message_stop"}"#),
    ]

    static var toolFirstBytes: [UInt8] { Array(toolFirstEvents.map { "event: \($0.type)\ndata: \($0.data)\n\n" }.joined().utf8) }
}
