import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Opens once; everyone waiting (and everyone who waits later) goes on.
final class ScenarioReleaseGate: Sendable {
    private struct State {
        var released = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var isReleased: Bool { state.withLock { $0.released } }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.released { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func release() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A scripted provider like `FakeUpstream` whose streamed replies can stop part-way until the test lets them go on:
/// the proof that what was sent before the stop reached the client before the provider's stream ended.
final class ProviderScenarioUpstream: Sendable {
    enum Reply: Sendable {
        /// A whole JSON body.
        case json(String, status: Int = 200)
        /// An event stream: `before` is written (each piece flushed), then the reply waits for `gate`, then `after`.
        case heldStream(before: [String], after: [String])
    }

    private struct State {
        var requests: [RecordedRequest] = []
        var script: [Reply] = []
    }

    private let state = Mutex(State())
    private let boundPort = Mutex<Int?>(nil)
    /// Lets the held part of streamed replies go.
    let gate = ScenarioReleaseGate()

    var port: Int { boundPort.withLock { $0! } }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    func enqueue(_ replies: Reply...) {
        state.withLock { $0.script += replies }
    }

    var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Runs the fake for the duration of `body`; the gate is opened at the end whatever happened, so no reply waits on.
    static func with<T: Sendable>(_ body: @Sendable (ProviderScenarioUpstream) async throws -> T) async throws -> T {
        let fake = ProviderScenarioUpstream()
        return try await withEphemeralServer(label: "provider-scenario-upstream", respond: { request in try await fake.respond(to: request) }) { port in
            fake.boundPort.withLock { $0 = port }
            defer { fake.gate.release() }
            return try await body(fake)
        }
    }

    private func respond(to request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
        let recorded = RecordedRequest(
            method: request.method.rawValue, pathAndQuery: request.head.path ?? "", host: request.head.authority,
            headers: request.headers.map { ($0.name.rawName, $0.value) }, body: Array(body.readableBytesView)
        )
        let reply = state.withLock { state -> Reply? in
            state.requests.append(recorded)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch reply {
        case nil:
            return Response(status: .init(code: 599), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"error":"no scripted reply"}"#)))
        case .json(let text, let status)?:
            return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .heldStream(let before, let after)?:
            let gate = self.gate
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    for piece in before { try await writer.write(ByteBuffer(string: piece)) }
                    await gate.wait()
                    for piece in after { try await writer.write(ByteBuffer(string: piece)) }
                    try await writer.finish(nil)
                }
            )
        }
    }
}
