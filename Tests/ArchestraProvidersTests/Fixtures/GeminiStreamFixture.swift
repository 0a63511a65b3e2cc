import ArchestraCore
import ArchestraProviders

/// A Gemini `streamGenerateContent?alt=sse` reply as Google sends it (`data: <json>\r\n\r\n`, pretty spacing): two
/// text chunks, then a chunk with a `functionCall` part (with a `thoughtSignature`), `finishReason` and the final
/// `usageMetadata`; every chunk carries `usageMetadata`, `modelVersion` and `responseId`.
enum GeminiStreamFixture {
    static let chunks: [String] = [
        #"{"candidates": [{"content": {"parts": [{"text": "Let me look that up for Zürich"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 61,"totalTokenCount": 61,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 61}]},"modelVersion": "gemini-2.5-flash","responseId": "x3HoaOvKEoWenvgPk4fYqQ8"}"#,
        #"{"candidates": [{"content": {"parts": [{"text": " — 🌤 one moment…"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 61,"totalTokenCount": 70,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 61}]},"modelVersion": "gemini-2.5-flash","responseId": "x3HoaOvKEoWenvgPk4fYqQ8"}"#,
        #"{"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather","args": {"location": "Zürich, CH","days": 3}},"thoughtSignature": "CiQB0e2Kb3xE9w=="}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 61,"candidatesTokenCount": 24,"totalTokenCount": 140,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 61}],"thoughtsTokenCount": 55},"modelVersion": "gemini-2.5-flash","responseId": "x3HoaOvKEoWenvgPk4fYqQ8"}"#,
    ]

    /// Index of the first chunk with a `functionCall` part.
    static let firstToolCallChunk = 2

    static var bytes: [UInt8] { Array(chunks.map { "data: \($0)\r\n\r\n" }.joined().utf8) }

    /// The single `GenerateContentResponse` the stream reassembles to.
    static let assembled = #"""
        {"candidates":[{"content":{"parts":[
            {"text":"Let me look that up for Zürich — 🌤 one moment…"},
            {"functionCall":{"name":"get_weather","args":{"location":"Zürich, CH","days":3}},"thoughtSignature":"CiQB0e2Kb3xE9w=="}],
           "role":"model"},"index":0,"finishReason":"STOP"}],
         "usageMetadata":{"promptTokenCount":61,"candidatesTokenCount":24,"totalTokenCount":140,"promptTokensDetails":[{"modality":"TEXT","tokenCount":61}],"thoughtsTokenCount":55},
         "modelVersion":"gemini-2.5-flash","responseId":"x3HoaOvKEoWenvgPk4fYqQ8"}
        """#

    static let toolName = "get_weather"
    static let toolArguments: JSONValue = ["location": "Zürich, CH", "days": 3]
}
