import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Anthropic and Gemini in mock mode, and the reassembled Anthropic stream in the record.
@Suite("Anthropic and Gemini mock mode and stream records", .timeLimit(.minutes(1)))
struct AnthropicGeminiMockTests {
    // MARK: Streaming and the record

    @Test("Anthropic stream: events forwarded byte for byte; the record holds the reassembled message")
    func anthropicStreamRecord() async throws {
        let events = [
            ("message_start", #"{"type":"message_start","message":{"id":"msg_s1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":8,"output_tokens":1}}}"#),
            ("ping", #"{"type": "ping"}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo wörld"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":4}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        let wire = events.map { "event: \($0.0)\ndata: \($0.1)\n\n" }
        try await withAnthropicGemini { fake, live in
            fake.enqueue(.sse(wire.map { .chunk($0) }))
            let body = #"{"model":"claude-haiku-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}"#
            let response = try await live.send(.post, "/v1/anthropic/messages", headers: [.contentType: "application/json", HTTPField.Name("x-api-key")!: "sk-ant-client"], body: body)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            #expect(response.bodyText == wire.joined())
            #expect(fake.requests.first?.body == Array(body.utf8))

            let record = try await live.onlyInteraction()
            #expect(record["type"] == "anthropic:messages")
            #expect(record["model"] == "claude-haiku-4-5")
            #expect(record["statusCode"] == 200)
            let expected = json(#"""
                {"id":"msg_s1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
                 "content":[{"type":"text","text":"Hello wörld"}],"stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":8,"output_tokens":4}}
                """#)
            #expect(sameJSON(record["response"], expected), "recorded \(record["response"].map { JSONWriter.string($0) } ?? "none")")
            #expect(!JSONWriter.string(record).contains("sk-ant-client"))
        }
    }

    // MARK: Mock mode

    static let tools = #"[{"name":"list_files","description":"Lists files","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}},{"name":"read_file"}]"#
    static let anthropicMock = #"""
        {"id":"msg_mock123","type":"message","role":"assistant","model":"claude-opus-4-1",
         "content":[{"type":"tool_use","id":"toolu_mock789","name":"list_files","input":{"path":"."}}],
         "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":82,"output_tokens":17}}
        """#
    static let geminiMock = #"""
        {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"list_files","args":{"path":"."}}}]},
          "finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":82,"candidatesTokenCount":17,"totalTokenCount":99},
         "modelVersion":"gemini-2.5-pro"}
        """#

    @Test("mock mode, Anthropic: the canned message (model echoed) and the canned stream; no provider call; recorded")
    func anthropicMock() async throws {
        try await withAnthropicGemini(environment: ["BENCHMARK_MOCK_MODE": "true"]) { fake, live in
            let body = #"{"model":"claude-opus-4-1","max_tokens":64,"messages":[{"role":"user","content":"ls"}],"tools":\#(Self.tools)}"#
            let response = try await live.send(.post, "/v1/anthropic/v1/messages", headers: AnthropicGeminiWire.jsonHeaders, body: body)
            #expect(response.status == .ok)
            #expect(try response.json() == json(Self.anthropicMock))

            let streamBody = #"{"model":"claude-opus-4-1","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"ls"}],"tools":\#(Self.tools)}"#
            let stream = try await live.send(.post, "/v1/anthropic/v1/messages", headers: AnthropicGeminiWire.jsonHeaders, body: streamBody)
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = scenarioSSEEvents(stream.bodyBytes)
            #expect(events.map(\.event) == ["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"])
            try #require(events.count == 6)
            #expect(json(events[0].data)["message"]?["content"] == [])
            #expect(json(events[0].data)["message"]?["model"] == "claude-opus-4-1")
            #expect(sameJSON(json(events[1].data), json(#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_mock789","name":"list_files","input":{}}}"#)))
            #expect(sameJSON(json(events[2].data), json(#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"path\": \".\"}"}}"#)))
            #expect(sameJSON(json(events[3].data), json(#"{"type":"content_block_stop","index":0}"#)))
            #expect(json(events[4].data)["delta"]?["stop_reason"] == "tool_use")
            #expect(json(events[4].data)["usage"]?["output_tokens"] == 17)
            #expect(sameJSON(json(events[5].data), json(#"{"type":"message_stop"}"#)))
            #expect(fake.requests.isEmpty)

            let rows = try await live.waitForInteractions(count: 2)
            #expect(rows.allSatisfy { $0["type"] == "anthropic:messages" && $0["model"] == "claude-opus-4-1" && $0["statusCode"] == 200 })
            let streamed = try #require(rows.first { $0["request"]?["stream"] == true })
            #expect(sameJSON(streamed["response"], json(Self.anthropicMock)), "recorded \(streamed["response"].map { JSONWriter.string($0) } ?? "none")")
            let tools = try await live.getJSON("/api/tools").arrayValue ?? []
            #expect(Set(tools.compactMap { $0["name"]?.stringValue }) == ["list_files", "read_file"])
        }
    }

    @Test("mock mode, Gemini: the canned reply with the URL's model, streamed as one chunk; no provider call; recorded")
    func geminiMock() async throws {
        try await withAnthropicGemini(environment: ["BENCHMARK_MOCK_MODE": "true"]) { fake, live in
            let body = #"{"contents":[{"role":"user","parts":[{"text":"ls"}]}],"tools":[{"functionDeclarations":[{"name":"list_files"}]}]}"#
            let response = try await live.send(.post, "/v1/gemini/v1beta/models/gemini-2.5-pro:generateContent", headers: AnthropicGeminiWire.jsonHeaders, body: body)
            #expect(response.status == .ok)
            #expect(try response.json() == json(Self.geminiMock))

            let stream = try await live.send(.post, "/v1/gemini/models/gemini-2.5-pro:streamGenerateContent?alt=sse", headers: AnthropicGeminiWire.jsonHeaders, body: body)
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = scenarioSSEEvents(stream.bodyBytes)
            try #require(events.count == 1)
            #expect(events[0].event == nil)
            #expect(json(events[0].data) == json(Self.geminiMock))
            #expect(fake.requests.isEmpty)

            let rows = try await live.waitForInteractions(count: 2)
            #expect(rows.allSatisfy { $0["type"] == "gemini:generateContent" && $0["model"] == "gemini-2.5-pro" && $0["statusCode"] == 200 })
            #expect(rows.allSatisfy { sameJSON($0["response"], json(Self.geminiMock)) })
            let tools = try await live.getJSON("/api/tools").arrayValue ?? []
            #expect(tools.compactMap { $0["name"]?.stringValue } == ["list_files"])
        }
    }
}
