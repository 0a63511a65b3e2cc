import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Every answered request is recorded as it was: escapes a database or a JSON parser would change (`\u0000`, a lone
/// `\ud800`) reach the provider and come back from the interactions API byte for byte.
@Suite("Lossless interaction records", .timeLimit(.minutes(1)))
struct LosslessInteractionTests {
    static let body = #"{"model":"gpt-4o","messages":[{"role":"user","content":"nul \u0000 lone \ud800 low \udc00 pair \ud83d\ude00 end"}],"x_unknown":{"k":"\u0000"}}"#

    @Test("A request with \\u0000 and \\ud800 escapes is answered, forwarded as sent, and read back byte for byte")
    func escapesRoundTrip() async throws {
        try await withUpstreamAndGateway { fake, live in
            let reply = #"{"id":"chatcmpl-nul","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"echo \u0000 \udfff"},"finish_reason":"stop"}]}"#
            fake.enqueue(.json(reply))
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: Self.body)
            #expect(response.status == .ok)
            #expect(response.bodyText == reply)
            #expect(fake.requests.first?.body == Array(Self.body.utf8), "the provider must get the client's bytes")

            let record = try await live.onlyInteraction()
            let id = try #require(record["id"]?.stringValue)
            let single = try await live.send(.get, "/api/interactions/\(id)")
            #expect(single.status == .ok)
            #expect(single.bodyText.contains(#""request":\#(Self.body)"#), "request not byte for byte: \(single.bodyText)")
            #expect(single.bodyText.contains(#""response":\#(reply)"#), "response not byte for byte: \(single.bodyText)")
            #expect((try? JSONParser.parse(single.body.readableBytesView)) != nil, "the API answer is still JSON")

            let page = try await live.send(.get, "/api/interactions?limit=5")
            #expect(page.bodyText.contains(#""request":\#(Self.body)"#), "list not byte for byte")
        }
    }

    @Test("Streamed: a stream request with the same escapes is recorded with the request byte for byte")
    func escapesRoundTripStreamed() async throws {
        try await withUpstreamAndGateway { fake, live in
            let body = Self.body.replacingOccurrences(of: #""model":"gpt-4o","#, with: #""model":"gpt-4o","stream":true,"#)
            let chunk = #"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"\u0000\ud800"},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"
            fake.enqueue(.sse([.chunk(chunk)]))
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: body)
            #expect(response.status == .ok)
            #expect(response.bodyText == chunk)
            let record = try await live.onlyInteraction()
            let id = try #require(record["id"]?.stringValue)
            let single = try await live.send(.get, "/api/interactions/\(id)")
            #expect(single.bodyText.contains(#""request":\#(body)"#))
            #expect(record["statusCode"] == 200)
        }
    }
}
