import ArchestraCore

/// Rebuilds the `chat.completion` a client received as a stream of `chat.completion.chunk`s, for the interaction log.
public struct OpenAIStreamAssembler: Sendable {
    private struct ChoiceState: Sendable {
        var role: JSONValue = "assistant"
        var content: String?
        var refusal: String?
        var toolCalls: [Int: ToolCallState] = [:]
        /// A legacy `function_call`, streamed as name and argument pieces.
        var functionCall: (name: String, arguments: String)?
        var finishReason: JSONValue = .null
    }

    private struct ToolCallState: Sendable {
        var id: JSONValue = .null
        var type: JSONValue = "function"
        var name = ""
        var arguments = ""
    }

    /// The first chunk's `id`, `created` and `model`.
    public private(set) var id: JSONValue = .null
    public private(set) var created: JSONValue = .null
    private var model: JSONValue = .null
    private var systemFingerprint: JSONValue?
    /// The last non-null `usage` streamed.
    public private(set) var usage: JSONValue?
    private var choices: [Int: ChoiceState] = [:]

    public init() {}

    /// Folds one SSE `data:` payload (`[DONE]` and non-JSON payloads are ignored).
    public mutating func add(data: String) {
        guard data != "[DONE]", case .object(let chunk)? = try? JSONParser.parse(data) else { return }
        add(chunk: chunk)
    }

    /// Folds one parsed chunk.
    public mutating func add(chunk: JSONObject) {
        if let value = chunk["id"], id.isNull { id = value }
        if let value = chunk["created"], created.isNull { created = value }
        if let value = chunk["model"], model.isNull { model = value }
        if let value = chunk["system_fingerprint"], !value.isNull { systemFingerprint = value }
        if let value = chunk["usage"], !value.isNull { usage = value }
        for choice in chunk["choices"]?.arrayValue ?? [] { add(choice: choice) }
    }

    private mutating func add(choice: JSONValue) {
        let index = choice["index"]?.intValue ?? 0
        var state = choices[index] ?? ChoiceState()
        if let reason = choice["finish_reason"], !reason.isNull { state.finishReason = reason }
        if case .object(let delta)? = choice["delta"] {
            if let role = delta["role"], !role.isNull { state.role = role }
            if let text = delta["content"]?.stringValue { state.content = (state.content ?? "") + text }
            if let text = delta["refusal"]?.stringValue { state.refusal = (state.refusal ?? "") + text }
            if case .object(let function)? = delta["function_call"] {
                var current = state.functionCall ?? ("", "")
                current.name += function["name"]?.stringValue ?? ""
                current.arguments += function["arguments"]?.stringValue ?? ""
                state.functionCall = current
            }
            for call in delta["tool_calls"]?.arrayValue ?? [] {
                let callIndex = call["index"]?.intValue ?? 0
                var callState = state.toolCalls[callIndex] ?? ToolCallState()
                if let value = call["id"], !value.isNull { callState.id = value }
                if let value = call["type"], !value.isNull { callState.type = value }
                if let name = call["function"]?["name"]?.stringValue { callState.name += name }
                if let arguments = call["function"]?["arguments"]?.stringValue { callState.arguments += arguments }
                state.toolCalls[callIndex] = callState
            }
        }
        choices[index] = state
    }

    /// The reassembled completion.
    public func completion() -> JSONValue {
        var object = JSONObject([
            ("id", id), ("object", "chat.completion"), ("created", created), ("model", model),
        ])
        if let systemFingerprint { object["system_fingerprint"] = systemFingerprint }
        object["choices"] = .array(choices.keys.sorted().map { index in
            let state = choices[index]!
            var message = JSONObject([
                ("role", state.role), ("content", state.content.map(JSONValue.string) ?? .null),
                ("refusal", state.refusal.map(JSONValue.string) ?? .null),
            ])
            if let function = state.functionCall {
                message["function_call"] = ["name": .string(function.name), "arguments": .string(function.arguments)]
            }
            if !state.toolCalls.isEmpty {
                message["tool_calls"] = .array(state.toolCalls.keys.sorted().map { callIndex in
                    let call = state.toolCalls[callIndex]!
                    return [
                        "id": call.id, "type": call.type,
                        "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
                    ]
                })
            }
            return .object(JSONObject([
                ("index", .integer(index)), ("message", .object(message)),
                ("finish_reason", state.finishReason), ("logprobs", .null),
            ]))
        })
        if let usage { object["usage"] = usage }
        return .object(object)
    }
}
