import ArchestraCore

/// Rebuilds the Anthropic message a stream of events describes: the `message_start` message with its content
/// blocks accumulated (`text_delta`, `input_json_delta`, …) and `stop_reason`/`usage` from `message_delta`.
public struct AnthropicStreamAssembler: Sendable {
    private var message = JSONObject()
    private var blocks: [Int: JSONObject] = [:]
    private var partialJSON: [Int: String] = [:]
    private var deltaUsage: JSONObject?
    /// Every `tool_use` block in the order it arrived, with the input streamed to it. Kept apart from `blocks`
    /// because a client keeps every block it was sent: a later block at the same index (a malformed stream)
    /// must not hide a call from judging.
    private var toolUses: [(block: JSONObject, partialJSON: String?)] = []
    /// The entry of `toolUses` that each index's `input_json_delta`s feed, while a `tool_use` block is open there.
    private var openToolUse: [Int: Int] = [:]

    public init() {}

    /// Folds one event's data (non-JSON data and unknown types are ignored).
    public mutating func add(data: String) {
        guard case .object(let event)? = try? JSONParser.parse(data) else { return }
        add(event: event)
    }

    /// Folds one parsed event.
    public mutating func add(event: JSONObject) {
        let index = event["index"]?.intValue ?? 0
        switch event["type"]?.stringValue {
        case "message_start":
            guard case .object(let start)? = event["message"] else { break }
            message = start
            // Clients start from this message's content: a tool_use block in it is a call too.
            for case .object(let block) in start["content"]?.arrayValue ?? [] where Self.isToolUse(block) {
                toolUses.append((block, nil))
            }
        case "content_block_start":
            openToolUse[index] = nil
            guard case .object(let block)? = event["content_block"] else { break }
            blocks[index] = block
            if Self.isToolUse(block) {
                openToolUse[index] = toolUses.count
                toolUses.append((block, nil))
            }
        case "content_block_delta":
            if case .object(let delta)? = event["delta"] { apply(delta, to: index) }
        case "message_delta":
            if case .object(let delta)? = event["delta"] {
                for member in delta.members { message[member.key] = member.value }
            }
            if case .object(let usage)? = event["usage"] {
                deltaUsage = usage
                var merged = message["usage"]?.objectValue ?? JSONObject()
                for member in usage.members { merged[member.key] = member.value }
                message["usage"] = .object(merged)
            }
        default:
            break
        }
    }

    private mutating func apply(_ delta: JSONObject, to index: Int) {
        var block = blocks[index] ?? JSONObject()
        switch delta["type"]?.stringValue {
        case "text_delta": append(delta["text"], to: "text", in: &block)
        case "thinking_delta": append(delta["thinking"], to: "thinking", in: &block)
        case "signature_delta": append(delta["signature"], to: "signature", in: &block)
        case "input_json_delta":
            let piece = delta["partial_json"]?.stringValue ?? ""
            partialJSON[index, default: ""] += piece
            if let open = openToolUse[index] { toolUses[open].partialJSON = (toolUses[open].partialJSON ?? "") + piece }
        case "citations_delta":
            if let citation = delta["citation"] {
                block["citations"] = .array((block["citations"]?.arrayValue ?? []) + [citation])
            }
        default: break
        }
        blocks[index] = block
    }

    private func append(_ piece: JSONValue?, to key: String, in block: inout JSONObject) {
        guard let text = piece?.stringValue else { return }
        block[key] = .string((block[key]?.stringValue ?? "") + text)
    }

    /// Index of the first `tool_use` block seen.
    public var firstToolUseIndex: Int? {
        blocks.keys.sorted().first { blocks[$0]?["type"]?.stringValue == "tool_use" }
    }

    /// The usage `message_delta` reported, if any.
    public var messageDeltaUsage: JSONObject? { deltaUsage }

    /// The usage of the message so far: `message_start`'s with `message_delta`'s members over it.
    public var usage: JSONValue? { message["usage"] }

    /// The reassembled message.
    public func assembled() -> JSONValue {
        var result = message
        result["content"] = .array(blocks.keys.sorted().map { index in .object(finished(block: index)) })
        return .object(result)
    }

    /// A block with its streamed tool input in place (parsed when it is JSON, else kept as text).
    private func finished(block index: Int) -> JSONObject {
        var block = blocks[index] ?? JSONObject()
        if let json = partialJSON[index] {
            block["input"] = json.isEmpty ? .object(JSONObject()) : ((try? JSONParser.parse(json)) ?? .string(json))
        }
        return block
    }

    /// The tool calls streamed, in the order their blocks arrived: every `tool_use` block a client was sent,
    /// even one a later block at the same index replaced here. Input that did not arrive as valid JSON is
    /// unparseable.
    public func toolCalls() -> [NeutralToolCall] {
        toolUses.map { use in
            let id = use.block["id"]?.stringValue ?? ""
            let name = use.block["name"]?.stringValue ?? ""
            if let json = use.partialJSON, !json.isEmpty {
                return NeutralToolCall(id: id, name: name, argumentsText: json)
            }
            return NeutralToolCall(id: id, name: name, arguments: .parsed(use.block["input"] ?? .object(JSONObject())))
        }
    }

    /// Whether a content block is a client tool call (`server_tool_use` runs at Anthropic, not at the client).
    static func isToolUse(_ block: JSONObject) -> Bool {
        block["type"]?.stringValue == "tool_use"
    }
}

/// Follows an Anthropic event stream: tool-call events are a `tool_use` block's `content_block_start`, and a
/// `message_start` whose message already holds a `tool_use` block.
public struct AnthropicMessagesStream: StreamTransducer {
    private var assembler = AnthropicStreamAssembler()

    public init() {}

    public func observe(_ event: ServerSentEvent) -> (observation: JSONObject?, carriesToolCall: Bool) {
        if event.data.isEmpty { return (nil, false) }
        guard case .object(let data)? = try? JSONParser.parse(event.data) else { return (nil, StreamEvents.unreadableHolds) }
        switch data["type"]?.stringValue {
        case "content_block_start":
            return (data, data["content_block"]?.objectValue.map(AnthropicStreamAssembler.isToolUse) ?? false)
        case "message_start":
            let content = data["message"]?["content"]?.arrayValue ?? []
            return (data, content.contains { $0.objectValue.map(AnthropicStreamAssembler.isToolUse) ?? false })
        default:
            return (data, false)
        }
    }

    public mutating func fold(_ observation: JSONObject?) {
        if let observation { assembler.add(event: observation) }
    }

    public func toolCalls() -> [NeutralToolCall] { assembler.toolCalls() }

    public func assembled() -> JSONValue { assembler.assembled() }

    public func usage() -> TokenUsage? { AnthropicMessagesAdapter.usage(in: assembler.usage) }

    public func usageReport() -> UsageReport? { UsageReading.anthropicMessages(assembler.usage) }

    public func carriesFirstToken(_ observation: JSONObject?) -> Bool { observation.map(FirstToken.anthropicMessages) ?? false }

    public mutating func refusalEvents(_ refusal: Refusal, upstream: AnthropicMessagesStream) -> [UInt8] {
        let index = JSONValue.integer(upstream.assembler.firstToolUseIndex ?? 0)
        var messageDelta: JSONObject = ["type": "message_delta", "delta": ["stop_reason": "end_turn", "stop_sequence": nil]]
        if let usage = upstream.assembler.messageDeltaUsage { messageDelta["usage"] = .object(usage) }
        let events: [(String, JSONObject)] = [
            ("content_block_start", ["type": "content_block_start", "index": index, "content_block": ["type": "text", "text": ""]]),
            ("content_block_delta", ["type": "content_block_delta", "index": index, "delta": ["type": "text_delta", "text": .string(refusal.content)]]),
            ("content_block_stop", ["type": "content_block_stop", "index": index]),
            ("message_delta", messageDelta),
            ("message_stop", ["type": "message_stop"]),
        ]
        var bytes: [UInt8] = []
        for (type, data) in events {
            assembler.add(event: data)
            bytes += ServerSentEvent.encode(event: type, data: JSONWriter.string(.object(data)))
        }
        return bytes
    }
}
