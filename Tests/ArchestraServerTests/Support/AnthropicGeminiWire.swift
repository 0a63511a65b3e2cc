import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Requests and replies shared by the Anthropic and Gemini route tests, and a gateway whose Anthropic base URL is
/// `{fake}/v1` and Gemini base URL `{fake}/v1beta/` (trailing slash on purpose: the configuration
/// trims it).
enum AnthropicGeminiWire {
    static let anthropicBody = #"{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}],"x_client":{"n":1.50}}"#
    static let anthropicReply = #"{"id":"msg_r1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":8,"output_tokens":3},"x_unknown":[1,2.50]}"#
    static let geminiBody = #"{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"temperature":0.70}}"#
    static let geminiReply = #"{"candidates":[{"content":{"parts":[{"text":"Hello!"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":2,"totalTokenCount":4},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"#

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]
}

/// Runs a fake provider serving as Anthropic at `{fake}/v1` and Gemini at `{fake}/v1beta`, and a gateway.
func withAnthropicGemini(
    environment: [String: String] = [:], _ body: @Sendable (FakeUpstream, LiveGateway) async throws -> Void
) async throws {
    try await FakeUpstream.with { fake in
        var settings = ["ARCHESTRA_ANTHROPIC_BASE_URL": fake.baseURL + "/v1", "ARCHESTRA_GEMINI_BASE_URL": fake.baseURL + "/v1beta/"]
        settings.merge(environment) { _, new in new }
        try await withGateway(upstream: fake, environment: settings) { live in
            try await body(fake, live)
        }
    }
}
