import ArchestraCore
import Foundation
import Testing

/// The logs page's live tail: server-sent events of new interactions, each a rendered table row.
@Suite("Web UI live tail", .timeLimit(.minutes(1)))
struct UILiveTailTests {
    @Test("new interactions arrive once each, as rows, in order; older ones and other agents' are not sent")
    func newRows() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let watched = try #require(try await live.createAgent("watched")["id"]?.stringValue)
            let other = try #require(try await live.createAgent("other")["id"]?.stringValue)
            try await Self.proxy(live, agent: watched)
            let before = try await live.waitForInteractions(count: 1)
            try await Self.withStream(live, "/ui/logs/stream?agentId=\(watched)") { stream in
                let head = try await stream.head()
                #expect(head.hasPrefix("HTTP/1.1 200"))
                #expect(head.lowercased().contains("content-type: text/event-stream"))
                #expect(head.lowercased().contains("cache-control: no-store"))
                try await stream.started()
                try await Self.proxy(live, agent: other)
                try await Self.proxy(live, agent: watched)
                try await Self.proxy(live, agent: watched)
                let rows = try await stream.rows(count: 2)
                let all = try await live.waitForInteractions(count: 4)
                let expected = all.filter { $0["agentId"]?.stringValue == watched }.compactMap { $0["id"]?.stringValue }
                    .reversed()
                let sent = rows.map { firstMatch(#"^<tr data-id="([0-9a-f-]+)">"#, in: $0.data) }
                #expect(sent == Array(expected.dropFirst()).map { Optional($0) }, "rows: \(rows.map(\.data))")
                #expect(
                    !sent.contains(before.first?["id"]?.stringValue), "an interaction older than the stream is not sent"
                )
                #expect(
                    rows.allSatisfy {
                        $0.data.contains("list_files allowed")
                            && $0.data.trimmingCharacters(in: .whitespaces).hasSuffix("</tr>")
                    }, "\(rows)")
                try await Task.sleep(for: .milliseconds(1500))
                #expect(try stream.events().filter { $0.event == "row" }.count == 2, "each row is sent once")
            }
        }
    }

    @Test("a carriage return in an agent name cannot end, rename or hide a live-tail event")
    func carriageReturn() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let name = "tail\revent: hidden\rdata: <b>injected</b>\r\rretry: 999999\nafter"
            let agent = try #require(try await live.createAgent(name)["id"]?.stringValue)
            try await Self.withStream(live, "/ui/logs/stream") { stream in
                try await stream.started()
                try await Self.proxy(live, agent: agent)
                let rows = try await stream.rows(count: 1)
                let events = try stream.events()
                #expect(!events.contains { $0.event == "hidden" }, "events: \(events)")
                #expect(rows.count == 1)
                let row = try #require(rows.first).data.trimmingCharacters(in: .whitespaces)
                #expect(row.hasPrefix("<tr data-id=") && row.hasSuffix("</tr>"), "the row arrives whole: \(row)")
                #expect(row.contains("&lt;b&gt;injected&lt;/b&gt;") && row.contains("after"))
                #expect(!row.contains("<b>"))
                let lines = stream.text().split(whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
                #expect(
                    !lines.contains { $0.hasPrefix("retry: 999999") || $0.hasPrefix("event: hidden") },
                    "no field is injected")
            }
        }
    }

    static func proxy(_ live: LiveGateway, agent: String) async throws {
        let response = try await live.send(
            .post, "/v1/openai/\(agent)/chat/completions", headers: [.contentType: "application/json"], body: chatBody()
        )
        #expect(response.status == .ok)
        await live.gateway.log.flush()
    }

    static func withStream(_ live: LiveGateway, _ uri: String, _ body: (EventStream) async throws -> Void) async throws
    {
        try await RawConnection.with(port: live.port) { connection in
            try await connection.send("GET \(uri) HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
            try await body(EventStream(connection: connection))
        }
    }
}

/// A `text/event-stream` response read off a raw connection and parsed as a browser's `EventSource` parses it.
struct EventStream {
    struct Event: Equatable, CustomStringConvertible {
        var event: String
        var data: String
        var description: String { "\(event): \(data)" }
    }

    let connection: RawConnection

    /// The response head, once it has arrived.
    func head(timeout: Duration = .seconds(5)) async throws -> String {
        try await waitFor("the response head", timeout: timeout) { bytes in
            Self.split(bytes).map { String(decoding: $0.head, as: UTF8.self) }
        }
    }

    /// Waits for the body's first line (`retry:`), written once the stream has taken its starting point (the newest
    /// interaction then): what is stored afterwards is new to it. The head is written before that point is taken, so
    /// an interaction stored between the two would count as old, and on a slow run that gap is long enough to hit.
    func started(timeout: Duration = .seconds(30)) async throws {
        _ = try await waitFor("the stream's first line", timeout: timeout) { bytes in
            Self.split(bytes).flatMap { String(decoding: Self.dechunk($0.body), as: UTF8.self).hasPrefix("retry:") ? true : nil }
        }
    }

    /// Waits for `count` events of type `row`.
    func rows(count: Int, timeout: Duration = .seconds(8)) async throws -> [Event] {
        try await waitFor("\(count) row events", timeout: timeout) { bytes in
            let rows = Self.events(in: bytes).filter { $0.event == "row" }
            return rows.count >= count ? rows : nil
        }
    }

    /// Every complete event received so far.
    func events() throws -> [Event] { Self.events(in: connection.received) }

    /// The body received so far, de-chunked.
    func text() -> String {
        Self.split(connection.received).map { String(decoding: Self.dechunk($0.body), as: UTF8.self) } ?? ""
    }

    private func waitFor<T>(_ what: String, timeout: Duration, _ probe: ([UInt8]) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = probe(connection.received) { return value }
            if ContinuousClock.now >= deadline { throw RawConnection.Failure.deadline(what) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func split(_ bytes: [UInt8]) -> (head: ArraySlice<UInt8>, body: ArraySlice<UInt8>)? {
        guard bytes.count >= 4,
            let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) })
        else { return nil }
        return (bytes[..<end], bytes[(end + 4)...])
    }

    /// The chunks' payload, as far as complete chunks go.
    static func dechunk(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        var index = body.startIndex
        while let lineEnd = body[index...].firstIndex(of: 13), lineEnd + 1 < body.endIndex {
            guard let size = Int(String(decoding: body[index..<lineEnd], as: UTF8.self), radix: 16), size > 0 else {
                break
            }
            let start = lineEnd + 2
            guard start + size <= body.endIndex else { break }
            output += body[start..<start + size]
            index = start + size + 2
            guard index <= body.endIndex else { break }
        }
        return output
    }

    /// The events of a stream as the HTML standard's EventSource dispatches them: lines end at CRLF, LF or CR;
    /// an empty line dispatches; `event` names the type (default `message`); `data` lines join with LF.
    static func events(in bytes: [UInt8]) -> [Event] {
        guard let parts = split(bytes) else { return [] }
        let text = String(decoding: dechunk(parts.body), as: UTF8.self)
        var events: [Event] = []
        var type = ""
        var data = ""
        var hasData = false
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .components(separatedBy: "\n")
        lines.removeLast()  // an unterminated last line is not a line yet
        for line in lines {
            if line.isEmpty {
                if hasData {
                    events.append(Event(event: type.isEmpty ? "message" : type, data: String(data.dropLast())))
                }
                type = ""
                data = ""
                hasData = false
                continue
            }
            if line.hasPrefix(":") { continue }
            let field = line.firstIndex(of: ":").map { String(line[..<$0]) } ?? line
            var value = line.firstIndex(of: ":").map { String(line[line.index(after: $0)...]) } ?? ""
            if value.hasPrefix(" ") { value.removeFirst() }
            switch field {
            case "event": type = value
            case "data":
                data += value + "\n"
                hasData = true
            default: break
            }
        }
        return events
    }
}
