import ArchestraCore
import ArchestraProviders
import AsyncHTTPClient
import Hummingbird
import NIOCore

extension OpenAIProxyRoutes {
    /// A whole (non-streamed) provider reply: forwarded as is, or replaced by a refusal.
    func bufferedResponse(_ response: HTTPClientResponse, headers: HTTPFields, exchange: Exchange) async throws -> Response {
        let status = Int(response.status.code)
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: Self.maxUpstreamBody)
        } catch {
            throw await fail(.upstreamUnreachable("Upstream provider closed the connection before the reply was complete"), exchange)
        }
        let byteArray = Array(bytes.readableBytesView)
        guard (200..<300).contains(status) else {
            // A provider error goes back verbatim: the client's SDK knows how to read it.
            await exchange.draft.finish(
                status: status, responseJSON: InteractionDraft.recordable(body: byteArray),
                evaluation: InteractionEvaluation(context: exchange.context), into: services.log
            )
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: bytes))
        }
        guard case .object(let completion)? = try? JSONParser.parse(byteArray) else {
            throw await fail(.upstreamUnreachable("Upstream provider sent a reply that is not a JSON object"), exchange)
        }
        let (body, evaluation) = judgeCompletion(completion, original: byteArray, exchange: exchange)
        await exchange.draft.finish(status: status, responseJSON: String(decoding: body, as: UTF8.self), evaluation: evaluation, into: services.log)
        var clientHeaders = headers
        clientHeaders[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: clientHeaders, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Judges a completion's tool calls: the original bytes when all are allowed, else the refusal completion.
    func judgeCompletion(_ completion: JSONObject, original: [UInt8], exchange: Exchange) -> ([UInt8], InteractionEvaluation) {
        let calls = OpenAIAdapter.toolCalls(inCompletion: .object(completion))
        let judged = InvocationEvaluator.judgeAll(calls, contextIsTrusted: exchange.context.contextIsTrusted, snapshot: exchange.snapshot)
        let evaluation = InteractionEvaluation(context: exchange.context, calls: calls, decisions: judged.decisions)
        guard let refused = judged.firstRefused else { return (original, evaluation) }
        let refusal = Refusal(call: refused.call, reason: refused.reason)
        return (JSONWriter.bytes(OpenAIAdapter.refusalCompletion(replacing: completion, with: refusal)), evaluation)
    }

    /// Records a gateway failure for this exchange and returns the error to throw.
    func fail(_ error: GatewayError, _ exchange: Exchange) async -> GatewayError {
        await exchange.draft.finish(
            status: Int(error.status.code), responseJSON: String(buffer: error.body),
            evaluation: InteractionEvaluation(context: exchange.context), into: services.log
        )
        return error
    }

    /// Benchmark mode: the canned reply, judged and recorded like a real one.
    func mockResponse(_ exchange: Exchange) async -> Response {
        let created = Int(services.clock.now().timeIntervalSince1970)
        if exchange.chat.stream {
            var buffers = OpenAIMock.chunks(created: created).map { ByteBuffer(bytes: ServerSentEvent.encode(data: JSONWriter.string($0))) }
            buffers.append(ByteBuffer(bytes: ServerSentEvent.encode(data: "[DONE]")))
            return streamingResponse(
                status: 200, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: CannedByteStream(buffers: buffers), exchange: exchange
            )
        }
        let completion = OpenAIMock.completion(created: created)
        let (body, evaluation) = judgeCompletion(completion.objectValue!, original: JSONWriter.bytes(completion), exchange: exchange)
        await exchange.draft.finish(status: 200, responseJSON: String(decoding: body, as: UTF8.self), evaluation: evaluation, into: services.log)
        return .json(bytes: body)
    }
}

/// A fixed list of buffers served as an async sequence (the mock's stream).
struct CannedByteStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffers: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: IndexingIterator<[ByteBuffer]>
        mutating func next() async throws -> ByteBuffer? { remaining.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: buffers.makeIterator()) }
}
