import Foundation
import ArchestraCore
import Crypto

/// The Gemini generateContent endpoint (`POST …/models/{model}:generateContent`, streamed as
/// `:streamGenerateContent?alt=sse`): `functionCall` / `functionResponse` parts onto the neutral view and back.
/// Gemini has no call ids everywhere, so a result without one gets a synthetic id from its name and response.
public struct GeminiGenerateContentAdapter: EndpointAdapter {
    public init() {}

    public var endpoint: Endpoint { .geminiGenerateContent }

    public func parseRequest(_ value: JSONValue, route: RouteFacts) throws(ProviderRequestError) -> PipelineRequest {
        guard case .object(let body) = value else { throw ProviderRequestError("Request body must be a JSON object") }
        guard case .array(let contents)? = body["contents"] else { throw ProviderRequestError("Field 'contents' must be an array") }
        for (index, content) in contents.enumerated() where content.objectValue == nil {
            throw ProviderRequestError("contents[\(index)] must be an object")
        }
        var declarations: [ToolDeclaration] = []
        if let tools = body["tools"], !tools.isNull {
            guard case .array(let items) = tools else { throw ProviderRequestError("Field 'tools' must be an array") }
            for (index, item) in items.enumerated() {
                guard case .object(let tool) = item else { throw ProviderRequestError("tools[\(index)] must be an object") }
                for function in tool["functionDeclarations"]?.arrayValue ?? [] {
                    guard case .string(let name)? = function["name"] else {
                        throw ProviderRequestError("tools[\(index)].functionDeclarations[].name must be a string")
                    }
                    // google-genai writes the snake_case spelling; the API accepts both.
                    let schema = [function["parameters"], function["parametersJsonSchema"], function["parameters_json_schema"]]
                        .compactMap { $0 }.first { !$0.isNull }
                    declarations.append(ToolDeclaration(
                        name: name, description: function["description"]?.stringValue, parameters: schema ?? .object(JSONObject())
                    ))
                }
            }
        }
        return PipelineRequest(
            body: body, model: route.model ?? "", stream: route.streaming, toolDeclarations: declarations, messageCount: contents.count
        )
    }

    /// Positions of `functionResponse` parts: (content index, part index).
    private func responsePositions(in body: JSONObject) -> [(content: Int, part: Int)] {
        var positions: [(Int, Int)] = []
        for (contentIndex, content) in (body["contents"]?.arrayValue ?? []).enumerated() {
            for (partIndex, part) in (content["parts"]?.arrayValue ?? []).enumerated() where part["functionResponse"] != nil {
                positions.append((contentIndex, partIndex))
            }
        }
        return positions
    }

    public func latestUserText(in body: JSONObject) -> String? {
        for content in (body["contents"]?.arrayValue ?? []).reversed() where (content["role"]?.stringValue ?? "user") == "user" {
            let texts = (content["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
            if !texts.isEmpty, !texts.joined().isEmpty { return texts.joined() }
        }
        return nil
    }

    public func toolResults(in body: JSONObject) -> [NeutralToolResult] {
        let contents = body["contents"]?.arrayValue ?? []
        return responsePositions(in: body).map { position in
            let response = contents[position.content]["parts"]!.arrayValue![position.part]["functionResponse"]!
            let name = response["name"]?.stringValue
            let value = response["response"] ?? .null
            let id = response["id"]?.stringValue ?? Self.syntheticId(name: name ?? "", response: value)
            return NeutralToolResult(toolCallId: id, toolName: name, value: value)
        }
    }

    /// Equal results share an id, different ones do not: SHA-256 of the name and the compact key-sorted response.
    public static func syntheticId(name: String, response: JSONValue) -> String {
        var bytes = Array(name.utf8)
        bytes.append(0)
        JSONWriter.write(response.sortingKeys(), into: &bytes)
        return "gemini-" + SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    public func replacingToolResults(in body: JSONObject, with replacements: [Int: String]) -> JSONObject {
        guard !replacements.isEmpty, case .array(var contents)? = body["contents"] else { return body }
        let positions = responsePositions(in: body)
        for (index, text) in replacements where index < positions.count {
            let position = positions[index]
            guard case .object(var content) = contents[position.content], case .array(var parts)? = content["parts"],
                case .object(var part) = parts[position.part], case .object(var response)? = part["functionResponse"]
            else { continue }
            response["response"] = ["output": .string(text)]
            part["functionResponse"] = .object(response)
            parts[position.part] = .object(part)
            content["parts"] = .array(parts)
            contents[position.content] = .object(content)
        }
        var edited = body
        edited["contents"] = .array(contents)
        return edited
    }

    public func toolCalls(inResponse response: JSONObject) -> [NeutralToolCall] {
        Self.toolCalls(in: response["candidates"]?.arrayValue ?? [])
    }

    static func toolCalls(in candidates: [JSONValue]) -> [NeutralToolCall] {
        var calls: [NeutralToolCall] = []
        for candidate in candidates {
            for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
                guard case .object(let call)? = part["functionCall"] else { continue }
                let name = call["name"]?.stringValue ?? ""
                calls.append(NeutralToolCall(
                    id: call["id"]?.stringValue ?? "\(name)#\(calls.count)", name: name,
                    arguments: .parsed(call["args"] ?? .object(JSONObject()))
                ))
            }
        }
        return calls
    }

    public func refusalResponse(replacing response: JSONObject, refusal: Refusal) -> JSONValue {
        var object = response
        object["candidates"] = [Self.refusalCandidate(refusal)]
        return .object(object)
    }

    static func refusalCandidate(_ refusal: Refusal) -> JSONValue {
        ["content": ["role": "model", "parts": [["text": .string(refusal.content)]]], "finishReason": "STOP", "index": 0]
    }

    public func usage(inResponse response: JSONObject) -> TokenUsage? {
        Self.usage(in: response["usageMetadata"])
    }

    public func usageReport(inResponse response: JSONObject) -> UsageReport? {
        UsageReading.gemini(response["usageMetadata"])
    }

    public func replyText(in response: JSONValue) -> String? {
        let texts = (response["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        return texts.isEmpty ? nil : texts.joined()
    }

    static func usage(in metadata: JSONValue?) -> TokenUsage? {
        guard case .object(let object)? = metadata else { return nil }
        let input = object["promptTokenCount"]?.intValue
        let output = object["candidatesTokenCount"]?.intValue
        return input == nil && output == nil ? nil : TokenUsage(input: input, output: output)
    }

    public func mockResponse(for request: PipelineRequest, created: Int) -> JSONValue {
        GeminiMock.response(model: request.model)
    }

    public func mockStream(for request: PipelineRequest, created: Int) -> [[UInt8]] {
        [ServerSentEvent.encode(data: JSONWriter.string(GeminiMock.response(model: request.model)))]
    }

    public func makeStream(for request: PipelineRequest) -> GeminiGenerateContentStream {
        GeminiGenerateContentStream()
    }
}

/// Benchmark mode's canned Gemini reply; streamed as this single chunk.
public enum GeminiMock {
    public static func response(model: String) -> JSONValue {
        [
            "candidates": [
                [
                    "content": ["role": "model", "parts": [["functionCall": ["name": "list_files", "args": ["path": "."]]]]],
                    "finishReason": "STOP", "index": 0,
                ]
            ],
            "usageMetadata": ["promptTokenCount": 82, "candidatesTokenCount": 17, "totalTokenCount": 99],
            "modelVersion": .string(model),
        ]
    }
}

extension JSONValue {
    /// The value with every object's keys sorted (by UTF-8 bytes), for hashing.
    func sortingKeys() -> JSONValue {
        switch self {
        case .object(let object):
            return .object(JSONObject(object.members.map { (key: $0.key, value: $0.value.sortingKeys()) }
                .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }))
        case .array(let elements):
            return .array(elements.map { $0.sortingKeys() })
        default:
            return self
        }
    }
}
