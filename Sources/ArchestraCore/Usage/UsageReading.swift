/// Reads the token counts each client API reports into one `UsageReport`. Pure: JSON in, counts out.
///
/// Providers disagree on what their counts include, so each reader normalises to the meaning prices assume:
/// OpenAI already counts cached tokens inside the prompt and reasoning inside the completion; Anthropic reports
/// cache reads and cache writes beside `input_tokens` (they are added to it, and cache writes are charged as plain
/// input); Gemini reports thinking beside the candidates (added to the output, since it is billed as output).
public enum UsageReading {
    /// A chat completion's `usage` (whole reply or the last stream chunk that had one).
    public static func openAIChat(_ usage: JSONValue?) -> UsageReport? {
        guard case .object(let object)? = usage else { return nil }
        return report(
            input: object["prompt_tokens"]?.intValue, output: object["completion_tokens"]?.intValue,
            cached: object["prompt_tokens_details"]?["cached_tokens"]?.intValue,
            reasoning: object["completion_tokens_details"]?["reasoning_tokens"]?.intValue
        )
    }

    /// A Responses `usage` (the reply, or the response of the stream's final event).
    public static func openAIResponses(_ usage: JSONValue?) -> UsageReport? {
        guard case .object(let object)? = usage else { return nil }
        return report(
            input: object["input_tokens"]?.intValue, output: object["output_tokens"]?.intValue,
            cached: object["input_tokens_details"]?["cached_tokens"]?.intValue,
            reasoning: object["output_tokens_details"]?["reasoning_tokens"]?.intValue
        )
    }

    /// An Anthropic `usage` (a message, or a stream's `message_start` usage merged with its `message_delta` usage).
    public static func anthropicMessages(_ usage: JSONValue?) -> UsageReport? {
        guard case .object(let object)? = usage else { return nil }
        let uncached = object["input_tokens"]?.intValue
        let cacheRead = object["cache_read_input_tokens"]?.intValue
        let cacheWrite = object["cache_creation_input_tokens"]?.intValue
        let parts = [uncached, cacheRead, cacheWrite].compactMap { $0 }
        return report(
            input: parts.isEmpty ? nil : parts.reduce(0, +), output: object["output_tokens"]?.intValue, cached: cacheRead,
            reasoning: nil
        )
    }

    /// A Gemini `usageMetadata` (a reply, or the last stream chunk that had one).
    public static func gemini(_ metadata: JSONValue?) -> UsageReport? {
        guard case .object(let object)? = metadata else { return nil }
        let candidates = object["candidatesTokenCount"]?.intValue
        let thoughts = object["thoughtsTokenCount"]?.intValue
        let output: Int? = (candidates == nil && thoughts == nil) ? nil : (candidates ?? 0) + (thoughts ?? 0)
        return report(
            input: object["promptTokenCount"]?.intValue, output: output, cached: object["cachedContentTokenCount"]?.intValue,
            reasoning: thoughts
        )
    }

    /// A report only when the headline counts are there: details alone say too little to price.
    private static func report(input: Int?, output: Int?, cached: Int?, reasoning: Int?) -> UsageReport? {
        guard input != nil || output != nil else { return nil }
        return UsageReport(inputTokens: input, outputTokens: output, cachedInputTokens: cached, reasoningTokens: reasoning)
    }
}

/// Whether a stream event carries the first generated token, so the time to first token measures generation
/// rather than the provider's preamble (`message_start`, a role-only first chunk, `response.created`).
public enum FirstToken {
    /// A chat-completion chunk with content, a refusal or a tool call in any choice's delta.
    public static func openAIChat(_ chunk: JSONObject) -> Bool {
        for choice in chunk["choices"]?.arrayValue ?? [] {
            guard case .object(let delta)? = choice["delta"] else { continue }
            if nonEmptyText(delta["content"]) || nonEmptyText(delta["refusal"]) { return true }
            if let calls = delta["tool_calls"]?.arrayValue, !calls.isEmpty { return true }
            if case .object? = delta["function_call"] { return true }
        }
        return false
    }

    /// Any Responses `*.delta` event: output text, refusal, reasoning, tool arguments.
    public static func openAIResponses(_ event: JSONObject) -> Bool {
        guard let type = event["type"]?.stringValue else { return false }
        return type.hasPrefix("response.") && type.hasSuffix(".delta")
    }

    /// A content block delta, a tool_use block starting (its name is generated), or content in `message_start`.
    public static func anthropicMessages(_ event: JSONObject) -> Bool {
        switch event["type"]?.stringValue {
        case "content_block_delta": return true
        case "content_block_start": return event["content_block"]?["type"]?.stringValue == "tool_use"
        case "message_start": return !(event["message"]?["content"]?.arrayValue ?? []).isEmpty
        default: return false
        }
    }

    /// A Gemini chunk with at least one part in any candidate.
    public static func gemini(_ chunk: JSONObject) -> Bool {
        (chunk["candidates"]?.arrayValue ?? []).contains { !($0["content"]?["parts"]?.arrayValue ?? []).isEmpty }
    }

    private static func nonEmptyText(_ value: JSONValue?) -> Bool {
        if case .string(let text)? = value { return !text.isEmpty }
        return false
    }
}
