/// One server-sent event: its fields and the exact bytes it arrived as, so it can be forwarded unchanged.
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field, if any.
    public var event: String?
    /// The `data:` lines joined by `\n`.
    public var data: String
    /// The event's bytes as received, blank-line terminator included.
    public var raw: [UInt8]

    public init(event: String?, data: String, raw: [UInt8]) {
        self.event = event
        self.data = data
        self.raw = raw
    }

    /// Encodes an event in the standard framing (`event:` line when named, one `data:` line).
    public static func encode(event: String? = nil, data: String) -> [UInt8] {
        var bytes: [UInt8] = []
        if let event { bytes += Array("event: \(event)\n".utf8) }
        bytes += Array("data: ".utf8)
        bytes += Array(data.utf8)
        bytes += [0x0A, 0x0A]
        return bytes
    }
}

/// Splits a byte stream into server-sent events, whatever the chunk boundaries (mid-line, mid-UTF-8, mid-`\r\n`).
/// Every byte is scanned once, however the stream is cut: a reply that never sends a line break costs time linear
/// in its size.
public struct ServerSentEventDecoder: Sendable {
    private var pending: [UInt8] = []
    /// Where the event being collected starts.
    private var eventStart = 0
    /// Where the line being scanned starts.
    private var lineStart = 0
    /// Where scanning resumes: the end of what was scanned, or a `\r` that may be the first half of `\r\n`.
    private var scanIndex = 0

    public init() {}

    /// Feeds bytes and returns every event they complete.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        pending.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        var index = scanIndex
        while index < pending.count {
            let byte = pending[index]
            guard byte == 0x0A || byte == 0x0D else {
                index += 1
                continue
            }
            let lineIsEmpty = index == lineStart
            if byte == 0x0D {
                // A \r that ends the input may be the first half of \r\n: wait for the next bytes. A complete
                // \r\n at the end is a finished line, so the event it ends goes out now (Gemini frames with CRLF).
                if index + 1 == pending.count { break }
                index += pending[index + 1] == 0x0A ? 2 : 1
            } else {
                index += 1
            }
            if lineIsEmpty {
                if let event = makeEvent(from: eventStart, to: index) { events.append(event) }
                eventStart = index
            }
            lineStart = index
        }
        scanIndex = index
        compact()
        return events
    }

    /// Returns a final event left without its blank line when the stream closed.
    public mutating func finish() -> ServerSentEvent? {
        defer { pending.removeAll(); eventStart = 0; lineStart = 0; scanIndex = 0 }
        guard eventStart < pending.count else { return nil }
        return makeEvent(from: eventStart, to: pending.count)
    }

    private mutating func compact() {
        guard eventStart > 4096 || eventStart == pending.count else { return }
        pending.removeFirst(eventStart)
        scanIndex -= eventStart
        lineStart -= eventStart
        eventStart = 0
    }

    private func makeEvent(from start: Int, to end: Int) -> ServerSentEvent? {
        let raw = Array(pending[start..<end])
        var eventName: String?
        var dataLines: [String] = []
        var sawField = false
        for line in String(decoding: raw, as: UTF8.self).split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            if line.hasPrefix(":") { continue }
            sawField = true
            let (field, value) = Self.splitField(line)
            switch field {
            case "event": eventName = value
            case "data": dataLines.append(value)
            default: break
            }
        }
        guard sawField || !raw.isEmpty else { return nil }
        return ServerSentEvent(event: eventName, data: dataLines.joined(separator: "\n"), raw: raw)
    }

    private static func splitField(_ line: Substring) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (String(line), "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}
