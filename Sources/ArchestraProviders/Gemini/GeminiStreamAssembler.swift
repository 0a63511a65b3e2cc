import ArchestraCore

/// Rebuilds one `GenerateContentResponse` from a Gemini stream: candidates merged by index with their parts
/// concatenated (adjacent text parts joined), the last `finishReason`, and the last `usageMetadata`/`modelVersion`.
public struct GeminiStreamAssembler: Sendable {
    private var response = JSONObject()
    private var candidates: [Int: JSONObject] = [:]
    private var parts: [Int: [JSONValue]] = [:]

    public init() {}

    public mutating func add(data: String) {
        guard case .object(let chunk)? = try? JSONParser.parse(data) else { return }
        add(chunk: chunk)
    }

    /// Folds one parsed chunk.
    public mutating func add(chunk: JSONObject) {
        for member in chunk.members where member.key != "candidates" { response[member.key] = member.value }
        for candidate in chunk["candidates"]?.arrayValue ?? [] {
            guard case .object(let object) = candidate else { continue }
            let index = object["index"]?.intValue ?? 0
            var merged = candidates[index] ?? JSONObject()
            for member in object.members where member.key != "content" { merged[member.key] = member.value }
            if case .object(let content)? = object["content"] {
                var mergedContent = merged["content"]?.objectValue ?? JSONObject()
                for member in content.members where member.key != "parts" { mergedContent[member.key] = member.value }
                merged["content"] = .object(mergedContent)
                for part in content["parts"]?.arrayValue ?? [] { append(part, to: index) }
            }
            candidates[index] = merged
        }
    }

    private mutating func append(_ part: JSONValue, to index: Int) {
        var list = parts[index] ?? []
        if case .object(let new) = part, new.count == 1, let text = new["text"]?.stringValue,
            case .object(var last)? = list.last, last.count == 1, let previous = last["text"]?.stringValue
        {
            last["text"] = .string(previous + text)
            list[list.count - 1] = .object(last)
        } else {
            list.append(part)
        }
        parts[index] = list
    }

    /// The merged response.
    public func assembled() -> JSONValue {
        var result = response
        result["candidates"] = .array(candidates.keys.sorted().map { index in
            var candidate = candidates[index]!
            var content = candidate["content"]?.objectValue ?? JSONObject()
            content["parts"] = .array(parts[index] ?? [])
            candidate["content"] = .object(content)
            return .object(candidate)
        })
        return .object(result)
    }

    /// `usageMetadata` and `modelVersion` of the latest chunk that had them.
    public var trailingMetadata: JSONObject {
        var metadata = JSONObject()
        if let usage = response["usageMetadata"] { metadata["usageMetadata"] = usage }
        if let version = response["modelVersion"] { metadata["modelVersion"] = version }
        return metadata
    }
}

/// Follows a Gemini stream: tool-call chunks are those with a `functionCall` part.
public struct GeminiGenerateContentStream: StreamTransducer {
    private var assembler = GeminiStreamAssembler()

    public init() {}

    public func observe(_ event: ServerSentEvent) -> (observation: JSONObject?, carriesToolCall: Bool) {
        if event.data.isEmpty { return (nil, false) }
        guard case .object(let chunk)? = try? JSONParser.parse(event.data) else { return (nil, StreamEvents.unreadableHolds) }
        return (chunk, !GeminiGenerateContentAdapter.toolCalls(in: chunk["candidates"]?.arrayValue ?? []).isEmpty)
    }

    public mutating func fold(_ observation: JSONObject?) {
        if let observation { assembler.add(chunk: observation) }
    }

    public func toolCalls() -> [NeutralToolCall] {
        GeminiGenerateContentAdapter.toolCalls(in: assembler.assembled()["candidates"]?.arrayValue ?? [])
    }

    public func assembled() -> JSONValue { assembler.assembled() }

    public func usage() -> TokenUsage? { GeminiGenerateContentAdapter.usage(in: assembler.trailingMetadata["usageMetadata"]) }

    public func usageReport() -> UsageReport? { UsageReading.gemini(assembler.trailingMetadata["usageMetadata"]) }

    public func carriesFirstToken(_ observation: JSONObject?) -> Bool { observation.map(FirstToken.gemini) ?? false }

    public mutating func refusalEvents(_ refusal: Refusal, upstream: GeminiGenerateContentStream) -> [UInt8] {
        var chunk: JSONObject = ["candidates": [GeminiGenerateContentAdapter.refusalCandidate(refusal)]]
        for member in upstream.assembler.trailingMetadata.members { chunk[member.key] = member.value }
        assembler.add(chunk: chunk)
        return ServerSentEvent.encode(data: JSONWriter.string(.object(chunk)))
    }
}
