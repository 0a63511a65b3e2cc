import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `BENCHMARK_MOCK_MODE=true`: the canned benchmark reply, no provider call, everything else as usual.
@Suite("Mock mode", .timeLimit(.minutes(1)))
struct MockModeTests {
    static let cannedCall = #"{"id":"call_mock789","type":"function","function":{"name":"list_files","arguments":"{\"path\": \".\"}"}}"#
    static let cannedCompletion =
        #"{"id":"chatcmpl-mock123","object":"chat.completion","created":0,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[\#(cannedCall)]},"finish_reason":"tool_calls","logprobs":null}],"usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}"#
    static let tools = #""tools":[{"type":"function","function":{"name":"list_files","description":"Lists files","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}},{"type":"function","function":{"name":"read_file"}}]"#

    /// Replaces `created` (the current time) by 0 after checking it is the current Unix time.
    static func normalizeCreated(_ value: JSONValue, sentBetween start: Int, and end: Int, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
        guard case .object(var object) = value, let created = object["created"]?.intValue else {
            Issue.record("no integer `created` in \(JSONWriter.string(value))", sourceLocation: sourceLocation)
            return value
        }
        #expect((start...end).contains(created), "created \(created) is not the current Unix time", sourceLocation: sourceLocation)
        object["created"] = 0
        return .object(object)
    }

    static var unixNow: Int { Int(Date().timeIntervalSince1970) }

    @Test("non-streaming: the canned completion, no upstream call, interaction and tools recorded")
    func nonStreaming() async throws {
        try await withUpstreamAndGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { fake, live in
            let start = Self.unixNow
            let body = chatBody(extra: Self.tools)
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.authorization: "Bearer sk-client"], body: body)
            let end = Self.unixNow
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let reply = Self.normalizeCreated(try response.json(), sentBetween: start, and: end)
            #expect(sameJSON(reply, json(Self.cannedCompletion)), "got \(response.bodyText)")
            #expect(fake.requests.isEmpty)

            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 200)
            #expect(record["model"] == "gpt-4o")
            #expect(sameJSON(record["request"], json(body)))
            #expect(sameJSON(record["response"].map { Self.normalizeCreated($0, sentBetween: start, and: end) }, json(Self.cannedCompletion)))

            let tools = try await live.getJSON("/api/tools").arrayValue ?? []
            #expect(Set(tools.compactMap { $0["name"]?.stringValue }) == ["list_files", "read_file"])
        }
    }

    @Test("streaming: the canned chunks then data: [DONE], no upstream call, reassembled record")
    func streaming() async throws {
        try await withUpstreamAndGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { fake, live in
            let start = Self.unixNow
            let response = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(stream: true, extra: Self.tools))
            let end = Self.unixNow
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            #expect(response.bodyText.hasSuffix("data: [DONE]\n\n"))
            let events = response.bodyText.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            try #require(events.count == 3, "events: \(events)")
            #expect(events.allSatisfy { $0.hasPrefix("data: ") })
            #expect(events[2] == "data: [DONE]")

            let first = Self.normalizeCreated(json(String(events[0].dropFirst(6))), sentBetween: start, and: end)
            let second = Self.normalizeCreated(json(String(events[1].dropFirst(6))), sentBetween: start, and: end)
            let indexedCall = #"{"index":0,"id":"call_mock789","type":"function","function":{"name":"list_files","arguments":"{\"path\": \".\"}"}}"#
            for (chunk, delta, finish) in [
                (first, #"{"role":"assistant","content":null,"tool_calls":[\#(indexedCall)]}"#, JSONValue.null),
                (second, "{}", JSONValue.string("tool_calls")),
            ] {
                #expect(chunk["id"] == "chatcmpl-mock123")
                #expect(chunk["object"] == "chat.completion.chunk")
                #expect(chunk["model"] == "gpt-4o")
                let choice = chunk["choices"]?.arrayValue?.first
                #expect(chunk["choices"]?.arrayValue?.count == 1)
                #expect(choice?["index"] == 0)
                #expect(sameJSON(choice?["delta"], json(delta)), "delta: \(choice.map { JSONWriter.string($0) } ?? "none")")
                #expect(choice?["finish_reason"] == finish)
            }
            #expect(fake.requests.isEmpty)

            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 200)
            let completion = try #require(record["response"])
            #expect(completion["id"] == "chatcmpl-mock123")
            #expect(completion["object"] == "chat.completion")
            let message = completion["choices"]?.arrayValue?.first?["message"]
            #expect(sameJSON(message?["tool_calls"], json("[\(Self.cannedCall)]")))
            #expect(completion["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")

            let tools = try await live.getJSON("/api/tools").arrayValue ?? []
            #expect(Set(tools.compactMap { $0["name"]?.stringValue }) == ["list_files", "read_file"])
        }
    }

    @Test("mock mode still forwards pass-through requests")
    func passThroughStillForwards() async throws {
        try await withUpstreamAndGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { fake, live in
            fake.enqueue(.json(#"{"object":"list","data":[]}"#))
            let response = try await live.send(.get, "/v1/openai/models")
            #expect(response.status == .ok)
            #expect(response.bodyText == #"{"object":"list","data":[]}"#)
            #expect(fake.requests.map(\.pathAndQuery) == ["/models"])
        }
    }

    @Test("mock mode is on only for exactly `true`")
    func onlyExactlyTrue() async throws {
        try await withUpstreamAndGateway(environment: ["BENCHMARK_MOCK_MODE": "TRUE"]) { fake, live in
            fake.enqueue(.json(upstreamCompletion))
            let response = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
            #expect(response.bodyText == upstreamCompletion)
            #expect(fake.requests.count == 1)
        }
    }
}
