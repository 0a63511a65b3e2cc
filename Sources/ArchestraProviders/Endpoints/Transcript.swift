import ArchestraCore

/// A conversation as a person reads it: who said what, which tools were called and what they returned, in order.
/// Tool results appear in the same order as `toolResults(in:)` lists them, so their verdicts line up by position.
public enum TranscriptEntry: Sendable, Equatable {
    case message(role: String, text: String)
    case call(id: String, name: String, arguments: String)
    case result(id: String, content: String)
}

extension EndpointAdapter {
    /// The request's conversation.
    public func transcript(of body: JSONObject) -> [TranscriptEntry] {
        switch endpoint {
        case .openAIChatCompletions: Transcripts.chat(body)
        case .openAIResponses: Transcripts.responses(body)
        case .anthropicMessages: Transcripts.messages(body)
        case .geminiGenerateContent: Transcripts.gemini(body)
        }
    }
}

/// The transcript of each endpoint's request shape.
enum Transcripts {
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case nil, .null?: ""
        case let other?: JSONWriter.prettyString(other)
        }
    }

    static func chat(_ body: JSONObject) -> [TranscriptEntry] {
        var entries: [TranscriptEntry] = []
        for message in body["messages"]?.arrayValue ?? [] {
            let role = message["role"]?.stringValue ?? "?"
            if role == "tool" {
                entries.append(.result(id: message["tool_call_id"]?.stringValue ?? "", content: joinedText(message["content"]) ?? text(message["content"])))
                continue
            }
            if let content = joinedText(message["content"]), !content.isEmpty { entries.append(.message(role: role, text: content)) }
            for call in message["tool_calls"]?.arrayValue ?? [] {
                entries.append(.call(
                    id: call["id"]?.stringValue ?? "", name: call["function"]?["name"]?.stringValue ?? call["custom"]?["name"]?.stringValue ?? "",
                    arguments: call["function"]?["arguments"]?.stringValue ?? call["custom"]?["input"]?.stringValue ?? ""
                ))
            }
        }
        return entries
    }

    static func responses(_ body: JSONObject) -> [TranscriptEntry] {
        var entries: [TranscriptEntry] = []
        if let instructions = body["instructions"]?.stringValue { entries.append(.message(role: "system", text: instructions)) }
        if case .string(let input)? = body["input"] { return entries + [.message(role: "user", text: input)] }
        for item in body["input"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue {
            case "function_call"?, "custom_tool_call"?:
                entries.append(.call(
                    id: item["call_id"]?.stringValue ?? "", name: item["name"]?.stringValue ?? "",
                    arguments: item["arguments"]?.stringValue ?? item["input"]?.stringValue ?? ""
                ))
            case "function_call_output"?, "custom_tool_call_output"?:
                entries.append(.result(id: item["call_id"]?.stringValue ?? "", content: OpenAIResponsesAdapter.outputText(item["output"])))
            case let type? where ResponsesHostedTools.outputItemTypes.contains(type):
                entries.append(.result(id: item["id"]?.stringValue ?? item["call_id"]?.stringValue ?? "", content: JSONWriter.prettyString(item)))
            default:
                guard OpenAIResponsesAdapter.isMessage(item) else { continue }
                let parts = item["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
                entries.append(.message(role: item["role"]?.stringValue ?? "?", text: item["content"]?.stringValue ?? parts ?? ""))
            }
        }
        return entries
    }

    static func messages(_ body: JSONObject) -> [TranscriptEntry] {
        var entries: [TranscriptEntry] = []
        if let system = joinedText(body["system"]), !system.isEmpty { entries.append(.message(role: "system", text: system)) }
        for message in body["messages"]?.arrayValue ?? [] {
            let role = message["role"]?.stringValue ?? "?"
            if case .string(let content)? = message["content"] {
                entries.append(.message(role: role, text: content))
                continue
            }
            for block in message["content"]?.arrayValue ?? [] {
                switch block["type"]?.stringValue {
                case "text"?: entries.append(.message(role: role, text: block["text"]?.stringValue ?? ""))
                case "tool_use"?:
                    entries.append(.call(id: block["id"]?.stringValue ?? "", name: block["name"]?.stringValue ?? "", arguments: JSONWriter.string(block["input"] ?? .null)))
                case "tool_result"?:
                    entries.append(.result(id: block["tool_use_id"]?.stringValue ?? "", content: joinedText(block["content"]) ?? text(block["content"])))
                default: continue
                }
            }
        }
        return entries
    }

    static func gemini(_ body: JSONObject) -> [TranscriptEntry] {
        var entries: [TranscriptEntry] = []
        let system = (body["systemInstruction"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
        if !system.isEmpty { entries.append(.message(role: "system", text: system)) }
        for content in body["contents"]?.arrayValue ?? [] {
            let role = content["role"]?.stringValue ?? "user"
            for part in content["parts"]?.arrayValue ?? [] {
                if let text = part["text"]?.stringValue {
                    entries.append(.message(role: role, text: text))
                } else if let call = part["functionCall"] {
                    entries.append(.call(id: call["id"]?.stringValue ?? "", name: call["name"]?.stringValue ?? "", arguments: JSONWriter.string(call["args"] ?? .null)))
                } else if let response = part["functionResponse"] {
                    let name = response["name"]?.stringValue ?? ""
                    let value = response["response"] ?? .null
                    let id = response["id"]?.stringValue ?? GeminiGenerateContentAdapter.syntheticId(name: name, response: value)
                    entries.append(.result(id: id, content: JSONWriter.prettyString(value)))
                }
            }
        }
        return entries
    }
}
