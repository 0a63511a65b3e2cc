import Hummingbird
import Logging

/// Serves `respond` on 127.0.0.1 at an ephemeral port for the duration of `body`, which receives the port.
/// Shared by every fake provider of the tests.
func withEphemeralServer<T: Sendable>(
    label: String,
    respond: @escaping @Sendable (Request) async throws -> Response,
    _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    let (started, startedContinuation) = AsyncStream.makeStream(of: Int.self)
    let responder = CallbackResponder<BasicRequestContext> { request, _ in try await respond(request) }
    var logger = Logger(label: label)
    logger.logLevel = .critical
    let app = Application(
        responder: responder,
        configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: { channel in
            startedContinuation.yield(channel.localAddress?.port ?? 0)
            startedContinuation.finish()
        },
        logger: logger
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = started.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            group.cancelAll()
            throw FakeUpstreamError.didNotStart
        }
        defer { group.cancelAll() }
        return try await body(port)
    }
}
