/// A streamed chat completion as OpenAI sends it (text, then one tool call whose arguments arrive in pieces, then
/// usage), with the unknown fields real streams carry (`service_tier`, `obfuscation`, `prompt_tokens_details`).
enum OpenAIStreamFixture {
    static let payloads: [String] = [
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Kq"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"content":"Héllo"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"a"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"content":" 👋 世界, "},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"bcd"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"content":"checking \"Zürich\"…"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"e"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_Wz1","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"fg"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"h"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Zür"}}]},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"ij"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ich\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"k"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null,"obfuscation":"lmn"}"#,
        #"{"id":"chatcmpl-CQ1x7","object":"chat.completion.chunk","created":1760000123,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f33640a400","choices":[],"usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"obfuscation":"o"}"#,
        "[DONE]",
    ]

    /// The stream exactly as OpenAI frames it: `data: <payload>\n\n`.
    static var bytes: [UInt8] { Array(payloads.map { "data: \($0)\n\n" }.joined().utf8) }

    /// The same events framed with CRLF line ends, plus a comment (keep-alive), a named event with an id and a data
    /// field split over two lines, as proxies and other servers send them.
    static var crlfBytes: [UInt8] {
        var text = ": keep-alive ☕\r\n\r\n"
        for payload in payloads { text += "data: \(payload)\r\n\r\n" }
        text += "event: notice\r\nid: 7\r\ndata: first line é\r\ndata:second line 😀\r\n\r\n"
        return Array(text.utf8)
    }

    /// The events framed with bare CR line ends; the last one is not terminated (the connection just closed).
    static var crBytes: [UInt8] {
        let text = payloads.map { "data: \($0)" }.joined(separator: "\r\r") + "\r"
        return Array(text.utf8)
    }

    /// The chat.completion the stream reassembles to.
    static let assembled = #"""
        {"id":"chatcmpl-CQ1x7","object":"chat.completion","created":1760000123,"model":"gpt-4o-2024-08-06",
         "system_fingerprint":"fp_f33640a400",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Héllo 👋 世界, checking \"Zürich\"…","refusal":null,
           "tool_calls":[{"id":"call_Wz1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Zürich\"}"}}]},
           "finish_reason":"tool_calls","logprobs":null}],
         "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
        """#
}
