import ArchestraCore
import AsyncHTTPClient
import HummingbirdTesting
import NIOCore
import Testing

/// A client that goes away mid-stream must not leave the upstream stream running (no leaked connection).
@Suite("Client disconnect", .timeLimit(.minutes(1)))
struct ClientDisconnectTests {
    static func chunk(_ text: String) -> String {
        #"data: {"id":"c-long","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"\#(text)"},"finish_reason":null}]}"# + "\n\n"
    }

    @Test("client closes mid-stream → the upstream stream ends within seconds and the gateway keeps serving")
    func upstreamStreamEndsWhenClientLeaves() async throws {
        try await withUpstreamAndGateway { fake, live in
            // One chunk at once, then a slow trickle that would last ~20 s if nobody stopped it.
            var steps: [FakeReply.Step] = [.chunk(Self.chunk("first"))]
            for index in 0..<200 {
                steps += [.pause(.milliseconds(100)), .chunk(Self.chunk("tick\(index)"))]
            }
            steps.append(.chunk("data: [DONE]\n\n"))
            fake.enqueue(.sse(steps))

            let firstChunk: String = try await withHTTPClient { client in
                var request = HTTPClientRequest(url: "\(live.baseURL)/v1/openai/chat/completions")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: chatBody(stream: true)))
                let response = try await client.execute(request, timeout: .seconds(60))
                #expect(response.status == .ok)
                var received = ""
                for try await part in response.body {
                    received += String(buffer: part)
                    if received.contains("first") { break }
                }
                // Leaving the loop drops the body stream: AsyncHTTPClient cancels the request and closes the
                // connection; shutting the client down afterwards closes anything left.
                return received
            }
            #expect(firstChunk.hasPrefix(Self.chunk("first")))

            // The fake provider sees its response stream fail because the gateway hung up on it.
            let deadline = ContinuousClock.now + .seconds(5)
            while fake.streamEnds.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fake.streamEnds == [.clientWentAway], "the upstream stream was not ended after the client left: \(fake.streamEnds)")

            // The request is still recorded, with what had been streamed.
            let record = try await live.onlyInteraction()
            #expect(record["statusCode"] == 200)
            let content = record["response"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? ""
            #expect(content.hasPrefix("first"), "recorded content: \(content)")

            // And the gateway keeps serving, upstream included.
            try await expectStillServing(live)
            fake.enqueue(.json(upstreamCompletion))
            let next = try await live.send(.post, "/v1/openai/chat/completions", body: chatBody())
            #expect(next.status == .ok)
            #expect(next.bodyText == upstreamCompletion)
        }
    }
}
