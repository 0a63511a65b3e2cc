import NIOCore
import NIOHTTP1

/// Gives HTTP/1.0 clients the connection semantics they expect.
///
/// The HTTP types Hummingbird works with carry no protocol version, so an HTTP/1.0 request without
/// `Connection: keep-alive` would otherwise be kept open after its response, and a client such as Apache Bench,
/// which waits for the close, hangs. This handler sits right after the HTTP/1 decoder: it marks such a request
/// `Connection: close` (Hummingbird then closes after responding) and echoes `Connection: keep-alive` on the
/// response of an HTTP/1.0 request that asked for it (`ab -k` counts a connection as kept alive only then).
///
/// It also ends the connection after any response that says `Connection: close` (a 413 does): the output is
/// closed once the response is written, so the client sees the answer and the end of the connection instead of
/// being made to send, and the gateway to read, the rest of a body it already refused; the socket is closed
/// fully a moment later.
final class HTTP10ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Persistence { case http11, http10Close, http10KeepAlive }

    /// One entry per request whose response has not started yet, in order (HTTP/1 answers in request order).
    private var pending: [Persistence] = []
    /// The response being written said `Connection: close`.
    private var closeAfterResponse = false
    /// Time a client has to read the response and leave before the socket is closed under it.
    static let lingerAfterClose: TimeAmount = .seconds(2)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if head.version.major == 1, head.version.minor == 0 {
            let tokens = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
            if tokens.contains("keep-alive") {
                pending.append(.http10KeepAlive)
            } else {
                pending.append(.http10Close)
                head.headers.replaceOrAdd(name: "connection", value: "close")
            }
        } else {
            pending.append(.http11)
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            closeAfterResponse = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
            if pending.isEmpty { context.write(data, promise: promise) } else { writeHead(head, context: context, promise: promise) }
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterResponse else {
                context.write(data, promise: promise)
                return
            }
            closeAfterResponse = false
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.writeAndFlush(data, promise: written)
            written.futureResult.whenComplete { _ in
                context.close(mode: .output, promise: nil)
                context.eventLoop.scheduleTask(in: Self.lingerAfterClose) { context.close(promise: nil) }
            }
        }
    }

    private func writeHead(_ head: HTTPResponseHead, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        var head = head
        switch pending.removeFirst() {
        case .http11:
            break
        case .http10Close:
            head.version = .http1_0
            head.headers.replaceOrAdd(name: "connection", value: "close")
        case .http10KeepAlive:
            head.version = .http1_0
            head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
