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

    /// One accepted request on its way through the pipeline.
    struct Exchange: Sendable {
        let chat: OpenAIChatRequest
        let draft: InteractionDraft
        let snapshot: PolicySnapshot
        let context: ContextJudgement
    }

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
        let snapshot = try await services.policies.snapshot(for: agent.id)
        let located = OpenAIAdapter.toolResults(in: chat.body)
        let exchange = Exchange(
            chat: chat,
            draft: InteractionDraft(
                id: services.ids.makeUUID(), agentId: agent.id, type: "openai:chatCompletions",
                requestJSON: String(buffer: body), model: chat.model, arrivedAt: arrivedAt, started: started
            ),
            snapshot: snapshot,
            context: ContextJudgement(results: located.map(\.result), snapshot: snapshot)
        )
        if services.config.mockMode { return await mockResponse(exchange) }
        let upstreamBody = Self.upstreamBody(original: body, chat: chat, located: located, context: exchange.context)
        return try await forward(request, context: context, exchange: exchange, body: upstreamBody)
    }

    private func resolveAgent(_ agentId: String?, request: Request) async throws -> Agent {
        if let agentId { return try await services.agents.agent(idText: agentId) }
        return try await services.agents.defaultAgent(userAgent: request.headers[.userAgent])
    }

    /// The client's bytes when nothing needs changing; otherwise the body with blocked results redacted.
    static func upstreamBody(original: ByteBuffer, chat: OpenAIChatRequest, located: [OpenAIAdapter.LocatedToolResult], context: ContextJudgement) -> ByteBuffer {
        var replacements: [Int: String] = [:]
        for (item, judgement) in zip(located, context.judgements) where judgement.verdict == .blocked {
            replacements[item.messageIndex] = TrustEvaluator.redactionText(reason: judgement.reason)
        }
        guard !replacements.isEmpty else { return original }
        let edited = OpenAIAdapter.replacingToolContents(in: chat.body, with: replacements)
        return ByteBuffer(bytes: JSONWriter.bytes(.object(edited)))
    }

    private func forward(_ request: Request, context: AppRequestContext, exchange: Exchange, body: ByteBuffer) async throws -> Response {
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
            await exchange.draft.finish(
                status: Int(error.status.code), responseJSON: String(buffer: error.body),
                evaluation: InteractionEvaluation(context: exchange.context), into: services.log
            )
            return try error.response(from: request, context: context)
        }
        let headers = HeaderForwarding.clientHeaders(from: response.headers)
        if exchange.chat.stream, (200..<300).contains(response.status.code) {
            return streamingResponse(status: Int(response.status.code), headers: headers, body: response.body, exchange: exchange)
        }
        return try await bufferedResponse(response, headers: headers, exchange: exchange)
    }
}
