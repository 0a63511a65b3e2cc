import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ArchestraServer

/// A client's `x-request-id` is kept only when it is plain (1–128 of `[A-Za-z0-9._:-]`), so it cannot forge log
/// fields or header values; anything else is replaced by a fresh id, everywhere the id appears.
@Suite("Request ids", .timeLimit(.minutes(1)))
struct RequestIDTests {
    static let accepted = ["abc-123_x.y:z", "a", String(repeating: "x", count: 128), "0b0e6a4c-1c1e-4f7e-9a51-3b2a1f0e9d8c", "A.B:C-D_E"]
    static let replaced = [
        "", " ", "abc status=500 route=/admin evil=\"1\"", "a b", "a=b", "a\"b", "a/b", "a%20b", "a;b", "a,b", "é", "a\tb",
        String(repeating: "x", count: 129), "line\nbreak", "nul\u{0}", "{\"json\":1}",
    ]

    @Test("RequestID.accept keeps exactly the plain ids")
    func acceptTable() {
        for id in Self.accepted { #expect(RequestID.accept(id) == id, "\(id.debugDescription)") }
        for id in Self.replaced { #expect(RequestID.accept(id) == nil, "\(id.debugDescription)") }
        #expect(RequestID.accept(nil) == nil)
    }

    /// The request id in every captured log line (`request_id` metadata), and the lines mentioning `text`.
    static func logged(_ capture: LogCapture, containing text: String) -> (ids: Set<String>, mentions: [String]) {
        var ids: Set<String> = []
        for line in capture.all {
            guard let range = line.range(of: "\"request_id\": ") else { continue }
            let rest = line[range.upperBound...]
            ids.insert(String(rest.prefix { $0 != "," && $0 != "]" }))
        }
        return (ids, capture.all.filter { $0.contains(text) })
    }

    @Test("A forged id is replaced by a fresh one in the response header, the upstream header and the log")
    func forgedIdReplaced() async throws {
        let capture = LogCapture()
        let forged = #"abc status=500 route=/admin evil="1""#
        try await withUpstreamAndGateway(logger: capture.logger()) { fake, live in
            fake.enqueue(.json(upstreamCompletion))
            let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("x-request-id")!: forged]
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: chatBody())
            #expect(response.status == .ok)
            let fresh = try #require(response.headers[HTTPField.Name("x-request-id")!])
            #expect(fresh != forged)
            #expect(RequestID.accept(fresh) == fresh, "the fresh id is itself plain: \(fresh)")
            #expect(UUID(uuidString: fresh) != nil)
            #expect(fake.requests.first?.values("x-request-id") == [fresh], "upstream: \(fake.requests.first?.values("x-request-id") ?? [])")
            let (ids, mentions) = Self.logged(capture, containing: "evil")
            #expect(mentions.isEmpty, "the forged id reached the log: \(mentions)")
            #expect(ids.contains("\"\(fresh)\"") || ids.contains(fresh), "log ids: \(ids)")
        }
    }

    @Test("A valid id is kept in the response header, the upstream header and the log")
    func validIdKept() async throws {
        let capture = LogCapture()
        let valid = "abc-123_x.y:z"
        try await withUpstreamAndGateway(logger: capture.logger()) { fake, live in
            fake.enqueue(.json(upstreamCompletion))
            let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("x-request-id")!: valid]
            let response = try await live.send(.post, "/v1/openai/chat/completions", headers: headers, body: chatBody())
            #expect(response.headers[HTTPField.Name("x-request-id")!] == valid)
            #expect(fake.requests.first?.values("x-request-id") == [valid])
            #expect(Self.logged(capture, containing: valid).mentions.contains { $0.contains("request_id") })
            // Pass-through gets the validated id too, never the client's raw one.
            fake.enqueue(.json("{}"))
            let forged = "x y"
            let models = try await live.send(.get, "/v1/openai/models", headers: [HTTPField.Name("x-request-id")!: forged])
            let fresh = try #require(models.headers[HTTPField.Name("x-request-id")!])
            #expect(fresh != forged)
            #expect(fake.requests.last?.values("x-request-id") == [fresh])
        }
    }
}
