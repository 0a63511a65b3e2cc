import ArchestraCore
import ArchestraProviders
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// `POST /v1/openai[/{agentId}]/chat/completions`: the OpenAI pipeline (dispatched by `ProviderRoutes`).
struct OpenAIProxyRoutes {
    let services: ProxyServices

    /// Largest provider reply the gateway reads into memory.
    static let maxUpstreamBody = 64 * 1024 * 1024

    func handle(_ request: Request, context: AppRequestContext, agentId: String?) async throws -> Response {
        let arrivedAt = services.clock.now()
        let started = ContinuousClock.now
        let body = try await request.collectBody(limit: services.config.maxBodyBytes)
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(body.readableBytesView)
        } catch {
            throw GatewayError.badRequest("Request body is not valid JSON: \(error)")
        }
        let chat = try OpenAIChatRequest(body: parsed)
        let agent = try await resolveAgent(agentId, request: request)
        await services.tools.register(chat.toolDeclarations, agentId: agent.id, logger: context.logger)
        let draft = InteractionDraft(
            id: services.ids.makeUUID(), agentId: agent.id, type: "openai:chatCompletions",
            requestJSON: String(buffer: body), model: chat.model, arrivedAt: arrivedAt, started: started
        )
        let evaluation = InteractionEvaluation()
        if services.config.mockMode {
            return await mockResponse(chat, draft: draft, evaluation: evaluation)
        }
        let upstreamRequest = UpstreamRequest(
            method: .POST,
            url: services.upstreamURL(.openai, path: "/chat/completions", query: request.uri.query),
            headers: HeaderForwarding.upstreamHeaders(
                from: request.headers, provider: .openai, serverKey: services.config.serverKeys[.openai],
                queryHasKey: false, forPipeline: true
            ),
            body: body
        )
        let response: HTTPClientResponse
        do {
            response = try await services.upstream.send(upstreamRequest, timeout: services.config.upstreamTimeout)
        } catch let failure as UpstreamFailure {
            let error = failure.gatewayError
            await draft.finish(status: Int(error.status.code), responseJSON: String(buffer: error.body), evaluation: evaluation, into: services.log)
            return try error.response(from: request, context: context)
        }
        if chat.stream, (200..<300).contains(response.status.code) {
            return streamingResponse(response, draft: draft, evaluation: evaluation)
        }
        return try await bufferedResponse(response, draft: draft, evaluation: evaluation)
    }

    private func resolveAgent(_ agentId: String?, request: Request) async throws -> Agent {
        if let agentId { return try await services.agents.agent(idText: agentId) }
        return try await services.agents.defaultAgent(userAgent: request.headers[.userAgent])
    }

    private func bufferedResponse(_ response: HTTPClientResponse, draft: InteractionDraft, evaluation: InteractionEvaluation) async throws -> Response {
        let status = Int(response.status.code)
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: Self.maxUpstreamBody)
        } catch {
            let failure = GatewayError.upstreamUnreachable("Upstream provider closed the connection before the reply was complete")
            await draft.finish(status: 502, responseJSON: String(buffer: failure.body), evaluation: evaluation, into: services.log)
            throw failure
        }
        let byteArray = Array(bytes.readableBytesView)
        if (200..<300).contains(status), (try? JSONParser.parse(byteArray)) == nil {
            let failure = GatewayError.upstreamUnreachable("Upstream provider sent a reply that is not JSON")
            await draft.finish(status: 502, responseJSON: String(buffer: failure.body), evaluation: evaluation, into: services.log)
            throw failure
        }
        await draft.finish(status: status, responseJSON: InteractionDraft.recordable(body: byteArray), evaluation: evaluation, into: services.log)
        return Response(
            status: .init(code: status), headers: HeaderForwarding.clientHeaders(from: response.headers),
            body: .init(byteBuffer: bytes)
        )
    }

    private func streamingResponse(_ response: HTTPClientResponse, draft: InteractionDraft, evaluation: InteractionEvaluation) -> Response {
        let log = services.log
        let body = ResponseBody { writer in
            var decoder = ServerSentEventDecoder()
            var assembler = OpenAIStreamAssembler()
            do {
                for try await chunk in response.body {
                    for event in decoder.feed(chunk.readableBytesView) { assembler.add(data: event.data) }
                    try await writer.write(chunk)
                }
                if let last = decoder.finish() { assembler.add(data: last.data) }
                try await writer.finish(nil)
            } catch {
                // The client left or the provider broke off: the record keeps what had been streamed.
                await draft.finish(status: Int(response.status.code), responseJSON: JSONWriter.string(assembler.completion()), evaluation: evaluation, into: log)
                throw error
            }
            await draft.finish(status: Int(response.status.code), responseJSON: JSONWriter.string(assembler.completion()), evaluation: evaluation, into: log)
        }
        return Response(status: .init(code: Int(response.status.code)), headers: HeaderForwarding.clientHeaders(from: response.headers), body: body)
    }

    private func mockResponse(_ chat: OpenAIChatRequest, draft: InteractionDraft, evaluation: InteractionEvaluation) async -> Response {
        let created = Int(services.clock.now().timeIntervalSince1970)
        if chat.stream {
            var assembler = OpenAIStreamAssembler()
            var buffers: [ByteBuffer] = []
            for chunk in OpenAIMock.chunks(created: created) {
                let data = JSONWriter.string(chunk)
                assembler.add(data: data)
                buffers.append(ByteBuffer(bytes: ServerSentEvent.encode(data: data)))
            }
            buffers.append(ByteBuffer(bytes: ServerSentEvent.encode(data: "[DONE]")))
            await draft.finish(status: 200, responseJSON: JSONWriter.string(assembler.completion()), evaluation: evaluation, into: services.log)
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: .init(contentsOf: buffers)
            )
        }
        let bytes = JSONWriter.bytes(OpenAIMock.completion(created: created))
        await draft.finish(status: 200, responseJSON: String(decoding: bytes, as: UTF8.self), evaluation: evaluation, into: services.log)
        return .json(bytes: bytes)
    }
}
