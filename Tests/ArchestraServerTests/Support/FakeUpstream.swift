import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// One request the fake provider received, as it arrived on the wire.
struct RecordedRequest: Sendable {
    var method: String
    /// Path and query string exactly as requested (`/chat/completions?x=1`).
    var pathAndQuery: String
    /// The `Host` header (Hummingbird keeps it as the request's authority).
    var host: String?
    /// Every header field in arrival order, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    /// Every value of a header, case-insensitively.
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// The single value of a header, or nil when absent.
    func header(_ name: String) -> String? { values(name).first }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// How a streamed reply ended on the fake provider's side.
enum StreamEnd: Sendable, Equatable {
    /// Every scripted chunk was written.
    case completed
    /// Writing failed or the response task was cancelled: the client (the gateway) went away.
    case clientWentAway
}

/// What the fake provider answers to one request.
struct FakeReply: Sendable {
    /// One step of a streamed body.
    enum Step: Sendable {
        case chunk(String)
        case pause(Duration)
        /// Waits until the test opens the provider's `gate`: a pause as long as the test needs, however slow the run.
        case hold
    }

    enum Body: Sendable {
        case bytes([UInt8])
        /// Written step by step, each chunk flushed on its own.
        case steps([Step])
    }

    var status: Int = 200
    var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
    /// Wait for the provider's `gate` before sending the head (to provoke the gateway's upstream timeout): unlike a
    /// fixed delay, the reply stays late however long the gateway takes to give up.
    var holdsHead = false
    var body: Body = .bytes([])

    /// A JSON reply.
    static func json(_ text: String, status: Int = 200, extraHeaders: [(name: String, value: String)] = []) -> FakeReply {
        FakeReply(status: status, headers: [("Content-Type", "application/json")] + extraHeaders, body: .bytes(Array(text.utf8)))
    }

    /// A reply with any content type.
    static func text(_ text: String, status: Int, contentType: String) -> FakeReply {
        FakeReply(status: status, headers: [("Content-Type", contentType)], body: .bytes(Array(text.utf8)))
    }

    /// A server-sent-event stream of the given raw chunks, with optional pauses between them.
    static func sse(_ steps: [Step]) -> FakeReply {
        FakeReply(status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")], body: .steps(steps))
    }
}

/// A scripted OpenAI-like provider: a small Hummingbird server on 127.0.0.1, port 0, run in a background task.
///
/// It records every request and answers with the next scripted reply (or the fallback when the script is empty).
final class FakeUpstream: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var script: [FakeReply] = []
        var fallback = FakeReply.json(#"{"error":"no scripted reply"}"#, status: 599)
        var streamEnds: [StreamEnd] = []
    }

    private let state = Mutex(State())
    /// Set once the server listens.
    private let boundPort = Mutex<Int?>(nil)
    /// What held replies wait for; opened by the test, and at the end whatever happened, so no reply waits on.
    let gate = ScenarioReleaseGate()

    var port: Int { boundPort.withLock { $0! } }
    /// The base URL to configure the gateway with (no trailing slash).
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Queues replies, answered in order.
    func enqueue(_ replies: FakeReply...) {
        state.withLock { $0.script += replies }
    }

    /// The reply used when the script is empty.
    func setFallback(_ reply: FakeReply) {
        state.withLock { $0.fallback = reply }
    }

    /// Every request received so far, in arrival order.
    var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// How each streamed reply ended, in order of ending.
    var streamEnds: [StreamEnd] { state.withLock { $0.streamEnds } }

    /// Runs a fake provider for the duration of `body`.
    static func with<T: Sendable>(_ body: @Sendable (FakeUpstream) async throws -> T) async throws -> T {
        let fake = FakeUpstream()
        return try await withEphemeralServer(label: "fake-upstream", respond: { request in try await fake.respond(to: request) }) { port in
            fake.boundPort.withLock { $0 = port }
            defer { fake.gate.release() }
            return try await body(fake)
        }
    }

    private func respond(to request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
        let recorded = RecordedRequest(
            method: request.method.rawValue,
            pathAndQuery: request.head.path ?? "",
            host: request.head.authority,
            headers: request.headers.map { ($0.name.rawName, $0.value) },
            body: Array(body.readableBytesView)
        )
        let reply = state.withLock { state in
            state.requests.append(recorded)
            return state.script.isEmpty ? state.fallback : state.script.removeFirst()
        }
        if reply.holdsHead { await gate.wait() }
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
        }
        switch reply.body {
        case .bytes(let bytes):
            return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .steps(let steps):
            return Response(status: .init(code: reply.status), headers: fields, body: ResponseBody { writer in
                do {
                    for step in steps {
                        switch step {
                        case .chunk(let text): try await writer.write(ByteBuffer(string: text))
                        case .pause(let duration): try await Task.sleep(for: duration)
                        case .hold: await self.gate.wait()
                        }
                    }
                    try await writer.finish(nil)
                } catch {
                    self.state.withLock { $0.streamEnds.append(.clientWentAway) }
                    throw error
                }
                self.state.withLock { $0.streamEnds.append(.completed) }
            })
        }
    }
}

enum FakeUpstreamError: Error {
    case didNotStart
}
