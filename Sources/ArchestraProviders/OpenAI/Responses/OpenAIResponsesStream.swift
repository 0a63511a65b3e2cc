import ArchestraCore

/// Follows a Responses event stream (`event: <type>` / `data: <json>` frames with `sequence_number`s). Tool-call
/// events are those about a `function_call` or `custom_tool_call` output item: its `response.output_item.added`
/// and every event with that item's `output_index` (and a final response whose output holds such an item).
public struct OpenAIResponsesStream: StreamTransducer {
    private let declaredTools: [String]
    /// The response object of the latest lifecycle event (created, in progress, completed, incomplete, failed).
    private var response: JSONObject?
    /// A final event (completed, incomplete, failed) arrived: its response is the whole reply.
    private var finished = false
    private var items: [Int: JSONObject] = [:]
    private var toolItems: Set<Int> = []
    /// Every tool-call item in the order it arrived, kept apart from `items`: a client keeps every item it was
    /// sent, so a later item at the same output index (a malformed stream) must not hide a call from judging.
    private var callItems: [JSONObject] = []
    /// The entry of `callItems` that each output index's argument events feed, while a call item is open there.
    private var openCall: [Int: Int] = [:]
    private var lastSequence: Int?

    static let callTypes: Set<String> = ["function_call", "custom_tool_call"]
    static let finalTypes: Set<String> = ["response.completed", "response.incomplete", "response.failed"]

    public init(declaredTools: [String]) {
        self.declaredTools = declaredTools
    }

    public func observe(_ event: ServerSentEvent) -> (observation: JSONObject?, carriesToolCall: Bool) {
        if event.data.isEmpty { return (nil, false) }
        guard case .object(let data)? = try? JSONParser.parse(event.data) else { return (nil, StreamEvents.unreadableHolds) }
        return (data, carriesToolCall(data))
    }

    private func carriesToolCall(_ data: JSONObject) -> Bool {
        if let item = data["item"], let type = item["type"]?.stringValue, Self.callTypes.contains(type) { return true }
        if let index = data["output_index"]?.intValue, toolItems.contains(index) { return true }
        if let type = data["type"]?.stringValue, Self.finalTypes.contains(type) {
            return !OpenAIResponsesAdapter.toolCalls(in: data["response"]?["output"]?.arrayValue ?? []).isEmpty
        }
        return false
    }

    public mutating func fold(_ observation: JSONObject?) {
        guard let event = observation, let type = event["type"]?.stringValue else { return }
        if let sequence = event["sequence_number"]?.intValue { lastSequence = sequence }
        let index = event["output_index"]?.intValue
        switch type {
        case "response.created", "response.in_progress", "response.queued":
            response = event["response"]?.objectValue ?? response
        case _ where Self.finalTypes.contains(type):
            response = event["response"]?.objectValue ?? response
            finished = true
        case "response.output_item.added", "response.output_item.done":
            guard let index, case .object(let item)? = event["item"] else { return }
            items[index] = item
            trackCall(item, at: index, added: type == "response.output_item.added")
        case "response.function_call_arguments.delta":
            append(event["delta"], to: "arguments", ofItem: index)
        case "response.function_call_arguments.done":
            set(event["arguments"], as: "arguments", ofItem: index)
        case "response.custom_tool_call_input.delta":
            append(event["delta"], to: "input", ofItem: index)
        case "response.custom_tool_call_input.done":
            set(event["input"], as: "input", ofItem: index)
        case "response.content_part.added", "response.content_part.done":
            setPart(event["part"], at: event["content_index"]?.intValue ?? 0, ofItem: index)
        case "response.output_text.delta":
            appendText(event["delta"], at: event["content_index"]?.intValue ?? 0, ofItem: index)
        default:
            break
        }
    }

    /// Opens a call entry for a call item added at an index (a done item completes the open one, or opens its own);
    /// any other item added there closes it.
    private mutating func trackCall(_ item: JSONObject, at index: Int, added: Bool) {
        guard let itemType = item["type"]?.stringValue, Self.callTypes.contains(itemType) else {
            if added { openCall[index] = nil }
            return
        }
        toolItems.insert(index)
        if !added, let open = openCall[index] {
            callItems[open] = item
        } else {
            openCall[index] = callItems.count
            callItems.append(item)
        }
    }

    private mutating func append(_ piece: JSONValue?, to key: String, ofItem index: Int?) {
        guard let index, let text = piece?.stringValue else { return }
        var item = items[index] ?? JSONObject()
        item[key] = .string((item[key]?.stringValue ?? "") + text)
        items[index] = item
        if let open = openCall[index] { callItems[open][key] = .string((callItems[open][key]?.stringValue ?? "") + text) }
    }

    private mutating func set(_ value: JSONValue?, as key: String, ofItem index: Int?) {
        guard let index, let value else { return }
        items[index, default: JSONObject()][key] = value
        if let open = openCall[index] { callItems[open][key] = value }
    }

    private mutating func setPart(_ part: JSONValue?, at position: Int, ofItem index: Int?) {
        guard let index, let part else { return }
        var item = items[index] ?? JSONObject()
        var content = item["content"]?.arrayValue ?? []
        if position < content.count { content[position] = part } else if position == content.count { content.append(part) }
        item["content"] = .array(content)
        items[index] = item
    }

    private mutating func appendText(_ piece: JSONValue?, at position: Int, ofItem index: Int?) {
        guard let index, let text = piece?.stringValue, var item = items[index] else { return }
        var content = item["content"]?.arrayValue ?? []
        guard position < content.count, case .object(var part) = content[position] else { return }
        part["text"] = .string((part["text"]?.stringValue ?? "") + text)
        content[position] = .object(part)
        item["content"] = .array(content)
        items[index] = item
    }

    /// The output items: the final response's when it came, else those the events built, in order.
    private var outputItems: [JSONValue] {
        if finished, let output = response?["output"]?.arrayValue { return output }
        return items.keys.sorted().map { .object(items[$0]!) }
    }

    public func toolCalls() -> [NeutralToolCall] {
        // The item events and the final response should agree; a call in either is judged (the same call twice once).
        var calls = OpenAIResponsesAdapter.toolCalls(in: callItems.map(JSONValue.object))
        if finished {
            for call in OpenAIResponsesAdapter.toolCalls(in: response?["output"]?.arrayValue ?? []) where !calls.contains(call) {
                calls.append(call)
            }
        }
        return calls
    }

    /// The final response object, or the one the events built so far.
    public func assembled() -> JSONValue {
        var object = response ?? JSONObject()
        if !finished { object["output"] = .array(outputItems) }
        return .object(object)
    }

    public func usage() -> TokenUsage? { OpenAIResponsesAdapter.usage(in: response?["usage"]) }

    public func usageReport() -> UsageReport? { UsageReading.openAIResponses(response?["usage"]) }

    public func carriesFirstToken(_ observation: JSONObject?) -> Bool { observation.map(FirstToken.openAIResponses) ?? false }

    public func hostedResults() -> [NeutralToolResult] {
        ResponsesHostedTools.results(in: outputItems, declared: declaredTools)
    }

    public var responseId: String? { response?["id"]?.stringValue }

    public mutating func refusalEvents(_ refusal: Refusal, upstream: OpenAIResponsesStream) -> [UInt8] {
        let outputIndex = upstream.toolItems.min() ?? ((items.keys.max() ?? -1) + 1)
        let responseId = upstream.responseId ?? self.responseId ?? ""
        let itemId = ResponsesRefusal.messageId(responseId: responseId, callId: refusal.callId)
        let part = ResponsesRefusal.textPart(refusal.content)
        let emptyPart = ResponsesRefusal.textPart("")
        let done = ResponsesRefusal.message(refusal, responseId: responseId, status: "completed")
        var final = upstream.response ?? response ?? ["id": .string(responseId), "object": "response"]
        final["status"] = "completed"
        final["output"] = .array(outputItems.filter { !Self.callTypes.contains($0["type"]?.stringValue ?? "") } + [done])
        if let usage = upstream.response?["usage"] { final["usage"] = usage }
        let located: JSONObject = ["item_id": .string(itemId), "output_index": .integer(outputIndex), "content_index": 0]
        let bodies: [JSONObject] = [
            ["type": "response.output_item.added", "output_index": .integer(outputIndex),
             "item": ResponsesRefusal.message(refusal, responseId: responseId, status: "in_progress")],
            (["type": "response.content_part.added"] as JSONObject).merging(located).merging(["part": emptyPart]),
            (["type": "response.output_text.delta"] as JSONObject).merging(located).merging(["delta": .string(refusal.content), "logprobs": []]),
            (["type": "response.output_text.done"] as JSONObject).merging(located).merging(["text": .string(refusal.content), "logprobs": []]),
            (["type": "response.content_part.done"] as JSONObject).merging(located).merging(["part": part]),
            ["type": "response.output_item.done", "output_index": .integer(outputIndex), "item": done],
            ["type": "response.completed", "response": .object(final)],
        ]
        var sequence = (lastSequence ?? -1) + 1
        var bytes: [UInt8] = []
        for body in bodies {
            var event = body
            event["sequence_number"] = .integer(sequence)
            sequence += 1
            fold(event)
            bytes += ServerSentEvent.encode(event: event["type"]?.stringValue, data: JSONWriter.string(.object(event)))
        }
        return bytes
    }
}

extension JSONObject {
    /// These members followed by `other`'s (a key in both takes `other`'s value).
    func merging(_ other: JSONObject) -> JSONObject {
        var merged = self
        for member in other.members { merged[member.key] = member.value }
        return merged
    }
}
