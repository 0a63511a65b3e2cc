import ArchestraCore
import Foundation
import HTTPTypes
import Testing

/// What the client, the provider and the record should see in the policy scenarios: refusals written out by hand,
/// redacted bodies, and readers for replies, SSE bodies and the admin API.
extension ScenarioProvider {
    // MARK: Refusals, whole and streamed, written out by hand

    static func content(reason: String) -> String {
        "\nI tried to invoke the send_email tool with the following arguments: \(sendArguments).\n\nHowever, I was denied by a tool invocation policy:\n\n\(reason)"
    }

    /// The non-streamed reply the client gets instead of `reply`.
    func refusedReply(reason: String) -> JSONValue {
        guard case .object(var object) = json(reply) else { return .null }
        let content = JSONValue.string(Self.content(reason: reason))
        switch self {
        case .openai:
            object["choices"] = [[
                "index": 0, "finish_reason": "stop", "logprobs": nil,
                "message": ["role": "assistant", "content": content, "refusal": nil],
            ]]
        case .openaiResponses:
            object["output"] = [ResponsesScenarioStream.refusalMessage(content)]
        case .anthropic:
            object["content"] = [["type": "text", "text": content]]
            object["stop_reason"] = "end_turn"
            object["stop_sequence"] = .some(.null)
        case .gemini:
            object["candidates"] = [["content": ["role": "model", "parts": [["text": content]]], "finishReason": "STOP", "index": 0]]
        }
        return .object(object)
    }

    /// The events that replace the held ones: (event name, data).
    func refusalEvents(reason: String) -> [(event: String?, data: String)] {
        let content = Self.quoted(Self.content(reason: reason))
        switch self {
        case .openai:
            return [
                (nil, #"{"id":"chatcmpl-exfil2","object":"chat.completion.chunk","created":1760000301,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":\#(content)},"finish_reason":"stop","logprobs":null}]}"#),
                (nil, "[DONE]"),
            ]
        case .openaiResponses:
            return ResponsesScenarioStream.refusalEvents(content: Self.content(reason: reason))
        case .anthropic:
            return [
                ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#),
                ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":\#(content)}}"#),
                ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
                ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":42}}"#),
                ("message_stop", #"{"type":"message_stop"}"#),
            ]
        case .gemini:
            return [
                (nil, #"{"candidates":[{"content":{"role":"model","parts":[{"text":\#(content)}]},"finishReason":"STOP","index":0}],"usageMetadata":\#(Self.geminiFinalUsage),"modelVersion":"gemini-2.5-flash"}"#),
            ]
        }
    }

    // MARK: Reading what the client got

    /// The assistant text of a reply (or of a reassembled stream in the record).
    func text(of response: JSONValue?) -> String? {
        switch self {
        case .openai:
            return response?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
        case .openaiResponses:
            let messages = (response?["output"]?.arrayValue ?? []).filter { $0["type"] == "message" }
            return messages.flatMap { $0["content"]?.arrayValue ?? [] }.compactMap { $0["text"]?.stringValue }.joined()
        case .anthropic:
            let blocks = response?["content"]?.arrayValue ?? []
            return blocks.filter { $0["type"] == "text" }.compactMap { $0["text"]?.stringValue }.joined()
        case .gemini:
            let parts = response?["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? []
            return parts.compactMap { $0["text"]?.stringValue }.joined()
        }
    }

    /// The tool calls of a reply: (name, arguments).
    func toolCalls(of response: JSONValue?) -> [(name: String, arguments: JSONValue)] {
        switch self {
        case .openai:
            let calls = response?["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue ?? []
            return calls.map { call in
                (call["function"]?["name"]?.stringValue ?? "", call["function"]?["arguments"]?.stringValue.flatMap { try? JSONParser.parse($0) } ?? .null)
            }
        case .openaiResponses:
            let calls = (response?["output"]?.arrayValue ?? []).filter { $0["type"] == "function_call" }
            return calls.map { ($0["name"]?.stringValue ?? "", $0["arguments"]?.stringValue.flatMap { try? JSONParser.parse($0) } ?? .null) }
        case .anthropic:
            let blocks = response?["content"]?.arrayValue ?? []
            return blocks.filter { $0["type"] == "tool_use" }.map { ($0["name"]?.stringValue ?? "", $0["input"] ?? .null) }
        case .gemini:
            let parts = response?["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? []
            return parts.compactMap { part in part["functionCall"].map { ($0["name"]?.stringValue ?? "", $0["args"] ?? .null) } }
        }
    }
}

/// Decodes an SSE body into (event name, data) pairs (`\n` or `\r\n` framing).
func scenarioSSEEvents(_ bytes: [UInt8]) -> [(event: String?, data: String)] {
    let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    return text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
        var event: String?
        var data: [String] = []
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
        }
        return (event, data.joined(separator: "\n"))
    }
}

/// True when two SSE data payloads are the same JSON (member order aside, refusal message ids aside), or the same
/// text when not JSON.
func scenarioSameEventData(_ lhs: String, _ rhs: String) -> Bool {
    guard let left = try? JSONParser.parse(lhs), let right = try? JSONParser.parse(rhs) else { return lhs == rhs }
    return sameJSON(ResponsesScenarioStream.normalizingIds(left), ResponsesScenarioStream.normalizingIds(right))
}

extension LiveGateway {
    /// The sum of `llm_blocked_tool_total` for one provider and tool, from `GET /metrics` (0 when absent).
    func scenarioBlockedToolCount(provider: String, tool: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Double {
        let response = try await send(.get, "/metrics")
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        return response.bodyText.split(separator: "\n")
            .filter { $0.hasPrefix("llm_blocked_tool_total{") && $0.contains(#"provider="\#(provider)""#) && $0.contains(#"tool_name="\#(tool)""#) }
            .compactMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    /// The id of the agent with this name, or fails.
    func scenarioAgentId(named name: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let agents = try await getJSON("/api/agents", headers: adminHeaders, sourceLocation: sourceLocation).arrayValue ?? []
        return try #require(agents.first { $0["name"] == .string(name) }?["id"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// The agent's tools by name, waiting (up to 5 s) until every one of `names` is listed.
    func scenarioToolIds(agentId: String, names: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: String] {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let tools = try await getJSON("/api/tools?agentId=\(agentId)", headers: adminHeaders, sourceLocation: sourceLocation).arrayValue ?? []
            var ids: [String: String] = [:]
            for tool in tools { if let name = tool["name"]?.stringValue, let id = tool["id"]?.stringValue { ids[name] = id } }
            if names.allSatisfy({ ids[$0] != nil }) { return ids }
            if ContinuousClock.now >= deadline {
                Issue.record("tools \(names) not listed; found \(ids.keys.sorted())", sourceLocation: sourceLocation)
                return ids
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension ScenarioProvider {
    /// The request body as the provider should receive it when the `get_emails` result was redacted to `text`.
    func redactedRequestBody(stream: Bool, text: String) -> JSONValue {
        let original = requestBody(stream: stream)
        switch self {
        case .openai, .openaiResponses, .anthropic:
            return json(original.replacingOccurrences(of: Self.quoted(Self.emailsText), with: Self.quoted(text)))
        case .gemini:
            return json(original.replacingOccurrences(of: #""response":\#(Self.emailsText)"#, with: #""response":{"output":\#(Self.quoted(text))}"#))
        }
    }
}
