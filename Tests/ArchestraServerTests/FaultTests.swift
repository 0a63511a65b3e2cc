import ArchestraCore
import AsyncHTTPClient
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every fault answers the gateway's error JSON (or the provider's own error, verbatim) and the gateway keeps
/// serving.
@Suite("Faults", .timeLimit(.minutes(1)))
struct FaultTests {
    /// No interaction was recorded (the request did not pass validation or agent resolution).
    static func expectNothingRecorded(_ live: LiveGateway, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        await live.gateway.log.flush()
        let page = try await live.getJSON("/api/interactions")
        #expect(page["data"] == [], "unexpected interactions: \(page["data"].map { JSONWriter.string($0) } ?? "")", sourceLocation: sourceLocation)
    }

    @Test("malformed JSON → 400, not forwarded, not recorded")
    func malformedJSON() async throws {
        try await withUpstreamAndGateway { fake, live in
            for body in [#"{"model":"gpt-4o","messages":["#, "not json at all", "", #"{"model":"gpt-4o"} trailing"#] {
                let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: body)
                expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            }
            #expect(fake.requests.isEmpty)
            try await Self.expectNothingRecorded(live)
            try await expectStillServing(live)
        }
    }

    @Test(
        "wrong JSON types in known fields → 400",
        arguments: [
            #"[]"#, #""text""#, #"42"#, #"null"#,
            #"{"messages":[]}"#, #"{"model":5,"messages":[]}"#, #"{"model":null,"messages":[]}"#,
            #"{"model":"gpt-4o"}"#, #"{"model":"gpt-4o","messages":"hi"}"#, #"{"model":"gpt-4o","messages":[1]}"#,
            #"{"model":"gpt-4o","messages":[{"content":"no role"}]}"#, #"{"model":"gpt-4o","messages":[{"role":7}]}"#,
            #"{"model":"gpt-4o","messages":[],"stream":"yes"}"#, #"{"model":"gpt-4o","messages":[],"stream":1}"#,
            #"{"model":"gpt-4o","messages":[],"tools":{}}"#, #"{"model":"gpt-4o","messages":[],"tools":["x"]}"#,
            #"{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{}}]}"#,
            #"{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{"name":3}}]}"#,
            #"{"model":"gpt-4o","messages":[],"tools":[{"type":"function"}]}"#,
            #"{"model":"gpt-4o","messages":[],"tools":[{"type":"custom","custom":{"description":"no name"}}]}"#,
            #"{"model":"gpt-4o","messages":[],"tools":[{"type":"retrieval","retrieval":{"name":"x"}}]}"#,
        ]
    )
    func wrongTypes(body: String) async throws {
        try await withUpstreamAndGateway { fake, live in
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: body)
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            #expect(fake.requests.isEmpty)
            try await Self.expectNothingRecorded(live)
            #expect(try await live.getJSON("/api/tools") == [])
            try await expectStillServing(live)
        }
    }

    @Test("a body over ARCHESTRA_MAX_BODY_BYTES → 413, with Content-Length and chunked")
    func bodyTooLarge() async throws {
        try await withUpstreamAndGateway(environment: ["ARCHESTRA_MAX_BODY_BYTES": "1024"]) { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            func body(size: Int) -> String {
                let base = chatBody(extra: #""padding":""#) // ends with `"padding":"}`
                let filler = String(repeating: "x", count: size - base.utf8.count - 1)
                return chatBody(extra: #""padding":"\#(filler)""#)
            }
            let atLimit = body(size: 1024)
            let overLimit = body(size: 1025)
            #expect(atLimit.utf8.count == 1024 && overLimit.utf8.count == 1025)

            // With Content-Length.
            let refused = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: overLimit)
            expectGatewayError(refused, status: .contentTooLarge, type: "request_too_large")
            expectGatewayError(
                try await live.sendJSON(.post, "/api/agents", #"{"name":"\#(String(repeating: "n", count: 2000))"}"#),
                status: .contentTooLarge, type: "request_too_large"
            )
            #expect(fake.requests.isEmpty)

            // Chunked (no Content-Length): the limit is enforced while reading.
            try await withHTTPClient { client in
                for size in [1025, 4096] {
                    let text = body(size: size)
                    let pieces = stride(from: 0, to: text.utf8.count, by: 300).map { offset in
                        ByteBuffer(bytes: Array(text.utf8).dropFirst(offset).prefix(300))
                    }
                    var request = HTTPClientRequest(url: "\(live.baseURL)/v1/openai/chat/completions")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    let stream = AsyncStream<ByteBuffer> { continuation in
                        for piece in pieces { continuation.yield(piece) }
                        continuation.finish()
                    }
                    request.body = .stream(stream, length: .unknown)
                    let response = try await client.execute(request, timeout: .seconds(10))
                    let bytes = try await response.body.collect(upTo: 1 << 20)
                    #expect(response.status.code == 413)
                    let error = try JSONParser.parse(bytes.readableBytesView)
                    #expect(error["error"]?["type"] == "request_too_large", "body: \(String(buffer: bytes))")
                }
            }
            #expect(fake.requests.isEmpty)
            try await Self.expectNothingRecorded(live)

            // Exactly at the limit passes, on the same server.
            let accepted = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: atLimit)
            #expect(accepted.status == .ok)
            #expect(fake.requests.count == 1)
            #expect(fake.requests.first?.body == Array(atLimit.utf8))
            try await expectStillServing(live)
        }
    }

    @Test("unknown agent → 404 with its message; a non-UUID agent id → 400; nothing forwarded or recorded")
    func unknownAgent() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let unknown = "0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c"
            expectGatewayError(
                try await live.send(.post, "/v1/openai/\(unknown)/chat/completions", body: chatBody()),
                status: .notFound, type: "not_found", message: "Agent with ID \(unknown) not found"
            )
            for bad in ["not-a-uuid", "12345", "0b0e6a4c1c1e4f7e9a513b2a1f0e9d8c"] {
                expectGatewayError(try await live.send(.post, "/v1/openai/\(bad)/chat/completions", body: chatBody()), status: .badRequest, type: "invalid_request_error")
            }
            #expect(fake.requests.isEmpty)
            try await Self.expectNothingRecorded(live)
            #expect(try await live.getJSON("/api/agents") == [], "a failed request creates no agent")
            try await expectStillServing(live)
        }
    }

    @Test("provider errors come back verbatim (status, body, content type) and are recorded")
    func providerErrorsForwarded() async throws {
        let rateLimited = #"{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"},"x_extra":1}"#
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(
                .json(rateLimited, status: 429, extraHeaders: [("Retry-After", "7")]),
                .text("upstream exploded\n", status: 500, contentType: "text/plain; charset=utf-8"),
                .json(#"{"error":{"message":"bad stream request","type":"invalid_request_error"}}"#, status: 400)
            )
            let limited = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
            #expect(limited.status.code == 429)
            #expect(limited.headers[.contentType] == "application/json")
            #expect(limited.bodyText == rateLimited)

            let exploded = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(model: "gpt-4o-mini"))
            #expect(exploded.status.code == 500)
            #expect(exploded.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(exploded.bodyText == "upstream exploded\n")

            // A stream request whose provider fails before any event gets the error as is.
            let streamFailed = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(model: "gpt-4.1", stream: true))
            #expect(streamFailed.status.code == 400)
            #expect(streamFailed.headers[.contentType] == "application/json")
            #expect(streamFailed.bodyText == #"{"error":{"message":"bad stream request","type":"invalid_request_error"}}"#)

            let records = try await live.waitForInteractions(count: 3)
            let byModel = Dictionary(uniqueKeysWithValues: records.map { ($0["model"]?.stringValue ?? "?", $0) })
            #expect(byModel["gpt-4o"]?["statusCode"] == 429)
            #expect(byModel["gpt-4o"]?["response"] == json(rateLimited))
            #expect(byModel["gpt-4o-mini"]?["statusCode"] == 500)
            #expect(byModel["gpt-4o-mini"]?["response"] == .string("upstream exploded\n"))
            #expect(byModel["gpt-4.1"]?["statusCode"] == 400)
            #expect(sameJSON(byModel["gpt-4.1"]?["response"], json(#"{"error":{"message":"bad stream request","type":"invalid_request_error"}}"#)))
            try await expectStillServing(live)
        }
    }

    @Test("provider unreachable → 502 upstream_error, recorded")
    func providerUnreachable() async throws {
        // A refused connection is answered at once (the transport does not retry it until the deadline): 502, not
        // 504, well within the harness's upstream timeout.
        try await withGateway(environment: ["ARCHESTRA_OPENAI_BASE_URL": "http://127.0.0.1:\(closedPort)/v1"]) { live in
            for stream in [false, true] {
                let response = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(stream: stream))
                expectGatewayError(response, status: .badGateway, type: "upstream_error")
            }
            let records = try await live.waitForInteractions(count: 2)
            #expect(records.count == 2)
            for record in records {
                #expect(record["statusCode"] == 502)
                #expect(record["response"]?["error"]?["type"] == "upstream_error")
            }
            try await expectStillServing(live)
        }
    }

    @Test("provider slower than ARCHESTRA_UPSTREAM_TIMEOUT_SECONDS → 504 upstream_timeout, recorded")
    func providerTimeout() async throws {
        // The reply is held until the gateway gave up on it: a timeout whatever the upstream timeout, so the gateway
        // keeps the harness's, generous for the call after it.
        try await withUpstreamAndGateway { fake, live in
            var slow = FakeReply.json(upstreamCompletion)
            slow.holdsHead = true
            fake.enqueue(slow)
            let response = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
            fake.gate.release()
            expectGatewayError(response, status: .gatewayTimeout, type: "upstream_timeout")
            #expect(fake.requests.count == 1)
            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 504)
            #expect(record["response"]?["error"]?["type"] == "upstream_timeout")

            fake.enqueue(.json(upstreamCompletion))
            let next = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
            #expect(next.status == .ok)
            #expect(next.bodyText == upstreamCompletion)
        }
    }

    @Test("the upstream timeout does not cut a stream that already started")
    func timeoutDoesNotCutStartedStream() async throws {
        // The stream's head has a generous timeout to arrive in; then the stream stops, held by the test until
        // well after that timeout (counted from the request's start, before the provider got it) has passed.
        let timeout = 5
        try await withUpstreamAndGateway(environment: ["ARCHESTRA_UPSTREAM_TIMEOUT_SECONDS": "\(timeout)"]) { fake, live in
            let first = #"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"slow"},"finish_reason":null}]}"# + "\n\n"
            let last = #"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"
            fake.enqueue(.sse([.chunk(first), .hold, .chunk(last)]))
            async let streamed = live.send(.post, "/v1/openai/chat/completions", body: chatBody(stream: true))
            let asked = ContinuousClock.now
            while fake.requests.isEmpty, ContinuousClock.now - asked < .seconds(30) {
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(!fake.requests.isEmpty, "the provider never got the request")
            try await Task.sleep(for: .seconds(timeout + 1))
            fake.gate.release()
            let response = try await streamed
            #expect(response.status == .ok)
            #expect(response.bodyText == first + last)
            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 200)
            #expect(record["response"]?["choices"]?.arrayValue?.first?["message"]?["content"] == "slow")
        }
    }

    @Test("a 2xx reply that is not JSON → 502 upstream_error, recorded")
    func nonJSONSuccess() async throws {
        try await withUpstreamAndGateway { fake, live in
            fake.enqueue(.text("<html>not json</html>", status: 200, contentType: "text/html"), .text("", status: 200, contentType: "application/json"))
            for _ in 0..<2 {
                let response = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
                expectGatewayError(response, status: .badGateway, type: "upstream_error")
            }
            let records = try await live.waitForInteractions(count: 2)
            #expect(records.allSatisfy { $0["statusCode"] == 502 })
            try await expectStillServing(live)
        }
    }

    @Test("unknown routes → 404 not_found JSON")
    func unknownRoute() async throws {
        try await withGateway { live in
            expectGatewayError(try await live.send(.get, "/nope"), status: .notFound, type: "not_found")
            expectGatewayError(try await live.send(.get, "/api/nope"), status: .notFound, type: "not_found")
            try await expectStillServing(live)
        }
    }
}
