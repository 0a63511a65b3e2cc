import ArchestraCore
import Foundation
import HummingbirdTesting
import Testing

/// Connection semantics on a raw socket: HTTP/1.0 (Apache Bench) closes unless asked to keep alive; HTTP/1.1
/// keeps the connection by default.
@Suite("HTTP connections", .timeLimit(.minutes(1)))
struct HTTPConnectionTests {
    static func split(_ bytes: [UInt8]) -> (head: String, body: String)? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let range = text.range(of: "\r\n\r\n") else { return nil }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }

    @Test("HTTP/1.0 without keep-alive: the full response arrives and the server closes the connection")
    func http10Closes() async throws {
        try await withGateway { live in
            for request in [
                "GET /health HTTP/1.0\r\n\r\n",
                "GET /health HTTP/1.0\r\nHost: localhost\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n",
            ] {
                try await RawConnection.with(port: live.port) { connection in
                    try await connection.send(request)
                    let bytes = try await connection.readUntilClosed(timeout: .seconds(30))
                    let (response, length) = try #require(try RawConnection.parse(bytes))
                    #expect(response.statusLine.hasPrefix("HTTP/1."))
                    #expect(response.statusLine.contains(" 200 "))
                    #expect(length == bytes.count, "nothing after the response")
                    let health = try JSONParser.parse(response.body)
                    #expect(health["status"] == "Archestra Platform API")
                    #expect(health["version"]?.stringValue?.isEmpty == false)
                    #expect(response.header("connection")?.lowercased() != "keep-alive")
                    #expect(connection.isClosed)
                }
            }
            try await expectStillServing(live)
        }
    }

    @Test("HTTP/1.0 POST the way `ab -p` sends it, plain and streamed, ends with a close")
    func http10ApacheBenchPost() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            for stream in [false, true] {
                let body = chatBody(stream: stream)
                let request = "POST /v1/openai/chat/completions HTTP/1.0\r\nContent-length: \(body.utf8.count)\r\nContent-type: application/json\r\nHost: localhost:\(live.port)\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n" + body
                let bytes = try await RawConnection.with(port: live.port) { connection in
                    try await connection.send(request)
                    return try await connection.readUntilClosed(timeout: .seconds(30))
                }
                let (head, responseBody) = try #require(Self.split(bytes))
                #expect(head.hasPrefix("HTTP/1."))
                #expect(head.contains(" 200 "), "head: \(head)")
                #expect(!head.lowercased().contains("transfer-encoding: chunked"), "HTTP/1.0 has no chunked encoding: \(head)")
                if stream {
                    #expect(responseBody.hasPrefix("data: {"))
                    #expect(responseBody.hasSuffix("data: [DONE]\n\n"))
                } else {
                    #expect(try JSONParser.parse(responseBody)["id"] == "chatcmpl-mock123")
                }
            }
            #expect(try await live.waitForInteractions(count: 2).count == 2)
        }
    }

    @Test("HTTP/1.0 with Connection: keep-alive: the response says keep-alive and the socket serves a second request")
    func http10KeepAlive() async throws {
        try await withGateway { live in
            try await RawConnection.with(port: live.port) { connection in
                try await connection.send("GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                let first = try await connection.readResponse()
                #expect(first.statusLine.contains(" 200 "))
                #expect(first.header("connection")?.lowercased() == "keep-alive")

                try await connection.send("GET /health HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")
                let second = try await connection.readResponse()
                #expect(second.statusLine.contains(" 200 "))
                #expect(second.header("connection")?.lowercased() == "keep-alive")
                #expect(try JSONParser.parse(second.body)["status"] == "Archestra Platform API")

                // A final request without keep-alive ends the connection.
                try await connection.send("GET /health HTTP/1.0\r\n\r\n")
                let bytes = try await connection.readUntilClosed()
                #expect(String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n").count >= 4, "three responses in all")
            }
        }
    }

    @Test("HTTP/1.1 keeps the connection open by default; Connection: close closes it")
    func http11KeepsOpen() async throws {
        try await withGateway { live in
            try await RawConnection.with(port: live.port) { connection in
                for _ in 0..<3 {
                    try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    let response = try await connection.readResponse()
                    #expect(response.statusLine.hasPrefix("HTTP/1.1 200"))
                    #expect(response.header("connection")?.lowercased() != "close")
                }
                try await connection.send("GET /api/agents HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let agents = try await connection.readResponse()
                #expect(agents.statusLine.hasPrefix("HTTP/1.1 200"))
                #expect(try JSONParser.parse(agents.body) == [])

                try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                let last = try await connection.readResponse()
                #expect(last.statusLine.hasPrefix("HTTP/1.1 200"))
                _ = try await connection.readUntilClosed()
            }
        }
    }
}
