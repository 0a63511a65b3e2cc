import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection that sends bytes as written and collects every byte that comes back, for checking
/// HTTP/1.0 and keep-alive behaviour below any HTTP client library.
final class RawConnection: Sendable {
    /// A response parsed from raw bytes.
    struct Response: Sendable {
        var statusLine: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    enum Failure: Error, CustomStringConvertible {
        case deadline(String)
        case malformed(String)

        var description: String {
            switch self {
            case .deadline(let what): "deadline passed while waiting for \(what)"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer

        struct State {
            var bytes: [UInt8] = []
            var closed = false
        }

        let state = Mutex(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            state.withLock { $0.bytes += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLock { $0.closed = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private let channel: any Channel
    private let collector: Collector
    /// Bytes already consumed by `readResponse`.
    private let consumed = Mutex(0)

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to `host:port`.
    static func connect(host: String = "localhost", port: Int) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: host, port: port)
            .get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Connects, runs `body`, and closes the connection whatever happens (a failed test must not leave it open).
    static func with<T: Sendable>(host: String = "localhost", port: Int, _ body: (RawConnection) async throws -> T) async throws -> T {
        let connection = try await connect(host: host, port: port)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Writes text as is.
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// True once the peer closed the connection.
    var isClosed: Bool { collector.state.withLock { $0.closed } }

    /// Everything received so far.
    var received: [UInt8] { collector.state.withLock { $0.bytes } }

    /// Waits until the server closes the connection and returns every byte received; throws at the deadline (a
    /// guard against a server that never answers, generous because the whole suite shares two cores).
    func readUntilClosed(timeout: Duration = .seconds(60)) async throws -> [UInt8] {
        try await waitFor("the server to close the connection", timeout: timeout) {
            $0.closed ? $0.bytes : nil
        }
    }

    /// Reads the next complete response (head plus `Content-Length` body); throws at the deadline.
    func readResponse(timeout: Duration = .seconds(60)) async throws -> Response {
        let start = consumed.withLock { $0 }
        let (response, length) = try await waitFor("a complete response", timeout: timeout) { state -> (Response, Int)? in
            let bytes = Array(state.bytes[start...])
            return try? Self.parse(bytes)
        }
        consumed.withLock { $0 = start + length }
        return response
    }

    func close() async {
        try? await channel.close().get()
    }

    private func waitFor<T>(_ what: String, timeout: Duration, _ probe: (Collector.State) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            let state = collector.state.withLock { $0 }
            if let value = probe(state) { return value }
            if ContinuousClock.now >= deadline { throw Failure.deadline(what) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Parses one response at the start of `bytes`; nil until it is complete. Returns it and its length.
    static func parse(_ bytes: [UInt8]) throws -> (Response, Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let value = colon == line.endIndex ? "" : line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return (String(line[..<colon]), value)
        }
        let bodyStart = headEnd + 4
        guard let lengthText = headers.first(where: { $0.name.lowercased() == "content-length" })?.value,
            let length = Int(lengthText)
        else { throw Failure.malformed("no Content-Length in \(head)") }
        guard bytes.count >= bodyStart + length else { return nil }
        return (Response(statusLine: statusLine, headers: headers, body: Array(bytes[bodyStart..<bodyStart + length])), bodyStart + length)
    }
}
