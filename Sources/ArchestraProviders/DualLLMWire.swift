import ArchestraCore

/// The Dual LLM's own calls in each provider's wire format: a plain chat with temperature 0, and for the
/// quarantined model a reply constrained to `{"answer": <integer>}` where the provider supports it.
public enum DualLLMWire {
    /// The path below the provider's base URL.
    public static func path(provider: Provider, model: String) -> String {
        switch provider {
        case .openai: "/chat/completions"
        case .anthropic: "/messages"
        case .gemini: "/models/\(model):generateContent"
        }
    }

    /// The request body.
    public static func body(provider: Provider, model: String, messages: [DualLLMMessage], constrained: Bool) -> JSONValue {
        switch provider {
        case .openai:
            var body: JSONObject = [
                "model": .string(model),
                "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
            ]
            if constrained {
                body["response_format"] = [
                    "type": "json_schema",
                    "json_schema": [
                        "name": "multiple_choice_response",
                        "schema": [
                            "type": "object", "properties": ["answer": ["type": "integer"]], "required": ["answer"],
                            "additionalProperties": false,
                        ],
                    ],
                ]
            }
            body["temperature"] = 0
            return .object(body)
        case .anthropic:
            return [
                "model": .string(model), "max_tokens": 1024, "temperature": 0,
                "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
            ]
        case .gemini:
            var generation: JSONObject = ["temperature": 0]
            if constrained {
                generation["responseMimeType"] = "application/json"
                generation["responseSchema"] = [
                    "type": "OBJECT", "properties": ["answer": ["type": "INTEGER"]], "required": ["answer"],
                ]
            }
            return [
                "contents": .array(messages.map { message in
                    ["role": message.role == "assistant" ? "model" : "user", "parts": [["text": .string(message.content)]]]
                }),
                "generationConfig": .object(generation),
            ]
        }
    }

    /// The reply's text, or nil when the reply has none (which fails the run).
    public static func text(provider: Provider, response: JSONValue) -> String? {
        switch provider {
        case .openai:
            return response["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
        case .anthropic:
            let texts = (response["content"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }
            return texts.isEmpty ? nil : texts.joined()
        case .gemini:
            let parts = response["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? []
            let texts = parts.compactMap { $0["text"]?.stringValue }
            return texts.isEmpty ? nil : texts.joined()
        }
    }

    /// The tool result as the quarantined prompt shows it: raw text, or JSON pretty-printed with a 2-space indent.
    public static func dataText(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONWriter.prettyString(value)
    }
}
