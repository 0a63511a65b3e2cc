import ArchestraCore
import ArchestraProviders
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The request pipeline, the same for every endpoint: validate, resolve the agent, record tools, judge tool
/// results and redact, call the provider (or benchmark mode's canned transport), judge the returned tool calls,
/// answer, record. Endpoint differences stay behind `EndpointAdapter`, vendor differences behind `Vendor`.
struct ProxyPipeline<Adapter: EndpointAdapter>: Sendable {
    let services: ProxyServices
    let adapter: Adapter

    /// A request body that passed validation and the request limits, with its tool results found.
    struct Accepted: Sendable {
        let request: PipelineRequest
        let toolResults: [NeutralToolResult]

        init(body: ByteBuffer, facts: RouteFacts, adapter: Adapter, limits: AppConfig.RequestLimits) throws {
            let parsed: JSONValue
            do {
                parsed = try JSONParser.parse(body.readableBytesView)
            } catch {
                throw GatewayError.badRequest("Request body is not valid JSON: \(error)")
            }
            request = try adapter.parseRequest(parsed, route: facts)
            try Self.checkName(request.model, field: "model")
            for declaration in request.toolDeclarations { try Self.checkName(declaration.name, field: "tool name") }
            if request.body["background"] == .bool(true) {
                throw GatewayError.badRequest(
                    "background requests are not accepted: their output would be fetched later, around the gateway's judgement"
                )
            }
            try limits.check(count: request.messageCount, of: "messages", limit: limits.maxMessages, variable: "ARCHESTRA_MAX_MESSAGES")
            try limits.check(
                count: request.toolDeclarations.count, of: "tool declarations", limit: limits.maxToolDeclarations,
                variable: "ARCHESTRA_MAX_TOOL_DECLARATIONS"
            )
            toolResults = adapter.toolResults(in: request.body)
            try limits.check(count: toolResults.count, of: "tool results", limit: limits.maxToolResults, variable: "ARCHESTRA_MAX_TOOL_RESULTS")
        }

        /// Longest model or tool name accepted.
        static var maxNameLength: Int { 256 }

        /// Names end up in records, metric labels and the UI: no control characters, and a sane length.
        static func checkName(_ name: String, field: String) throws {
            guard name.unicodeScalars.count <= maxNameLength else {
                throw GatewayError.badRequest("The \(field) is longer than \(maxNameLength) characters")
            }
            if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw GatewayError.badRequest("The \(field) contains control characters")
            }
        }
    }

    /// One accepted request on its way through the pipeline.
    struct Exchange: Sendable {
        let request: PipelineRequest
        let agent: Agent
        let draft: InteractionDraft
        let snapshot: PolicySnapshot
        let context: ContextJudgement
        /// Tool results a Dual LLM summary (or its failure note) replaced, by index.
        let dualLlm: [Int: String]
        /// What the Dual LLM calls made for this request used and cost.
        let dualLlmUsage: DualLLMUsage?
        let timing: ExchangeTiming
        let logger: Logger

        var callLabels: LLMCallLabels { LLMCallLabels(provider: draft.provider, model: request.model, agent: agent) }
    }

    func handle(_ request: Request, context: AppRequestContext, route: PipelineRoute) async throws -> Response {
        if let refusal = services.admission() {
            throw VendorShapedError(refusal, vendor: adapter.provider.vendor, headers: [.retryAfter: "5"])
        }
        let arrivedAt = services.clock.now()
        let timing = ExchangeTiming(started: .now)
        let body = try await request.collectBody(limit: services.config.maxBodyBytes)
        let size = body.readableBytes
        let accepted = try await HeavyWork.run(size: size) { [adapter, limits = services.config.requestLimits] in
            try Accepted(body: body, facts: route.facts, adapter: adapter, limits: limits)
        }
        let pipelineRequest = accepted.request
        let caller = try await services.identity.resolve(request, vendor: adapter.provider.vendor, agentSegment: route.agentSegment)
        let agent = caller.agent
        await services.tools.register(pipelineRequest.toolDeclarations, agentId: agent.id, logger: context.logger)
        let snapshot = try await services.policies.snapshot(for: agent.id)
        let continued = await adapter.continuation(of: pipelineRequest).asyncMap {
            await services.continuations.lookUp($0, agentId: agent.id, logger: context.logger)
        }
        let judgingStarted = ContinuousClock.now
        let judgement = try await HeavyWork.run(size: size) {
            ContextJudgement(
                results: accepted.toolResults.naming(from: continued?.callNames ?? [:]), snapshot: snapshot,
                continuation: continued?.verdict
            )
        }
        services.metrics.policyEvaluation(duration: .now - judgingStarted)
        services.metrics.toolResultsEvaluated(provider: adapter.provider, agent: agent, judgement: judgement)
        let draft = InteractionDraft(
            id: services.ids.makeUUID(), agentId: agent.id, provider: adapter.provider, type: adapter.interactionType,
            requestJSON: String(buffer: body), model: pipelineRequest.model, arrivedAt: arrivedAt, timing: timing,
            userId: caller.userId, sessionId: caller.sessionId
        )
        func exchange(_ quarantined: DualLLMQuarantine.Outcome) -> Exchange {
            Exchange(
                request: pipelineRequest, agent: agent, draft: draft, snapshot: snapshot, context: judgement,
                dualLlm: quarantined.replacements, dualLlmUsage: quarantined.usage, timing: timing, logger: context.logger
            )
        }
        // Before anything is spent on the request, the Dual LLM's calls included.
        if let exceeded = services.limits.admit(agentId: agent.id, at: arrivedAt) {
            throw await refuse(exceeded, exchange(DualLLMQuarantine.Outcome()))
        }
        let queryKey = request.uri.queryParameters["key"].map(String.init)
        let quarantineStarted = ContinuousClock.now
        let quarantined = services.config.mockMode ? DualLLMQuarantine.Outcome() : await DualLLMQuarantine(services: services).quarantine(
            judgement.results, judgements: judgement.judgements,
            userRequest: adapter.latestUserText(in: pipelineRequest.body) ?? "process this data",
            caller: .init(
                agent: agent, provider: adapter.provider, payer: caller.payer, headers: request.headers,
                queryKey: queryKey, requestId: context.requestId
            ),
            logger: context.logger
        )
        timing.addUpstreamWait(.now - quarantineStarted)
        let exchange = exchange(quarantined)
        let upstreamRequest = UpstreamRequest(
            method: .post,
            url: services.upstreamURL(adapter.provider, path: route.upstreamPath, query: caller.upstreamQuery),
            headerFields: UpstreamHeaders.forProvider(
                from: request.headers, vendor: adapter.provider.vendor, payer: caller.payer, forPipeline: true,
                requestId: context.requestId
            ),
            body: try await HeavyWork.run(size: size) { [adapter] in Self.upstreamBody(original: body, exchange: exchange, adapter: adapter) },
            purpose: .pipeline(adapter.endpoint, pipelineRequest)
        )
        return try await forward(upstreamRequest, exchange: exchange)
    }

    /// The client's bytes when nothing needs changing; otherwise the body with blocked results redacted and
    /// quarantined ones replaced by their summaries.
    private static func upstreamBody(original: ByteBuffer, exchange: Exchange, adapter: Adapter) -> ByteBuffer {
        var replacements = exchange.dualLlm
        for (index, judgement) in exchange.context.judgements.enumerated()
        where judgement.verdict == .blocked && !exchange.context.results[index].hosted {
            replacements[index] = TrustEvaluator.redactionText(reason: judgement.reason)
        }
        guard !replacements.isEmpty else { return original }
        let edited = adapter.replacingToolResults(in: exchange.request.body, with: replacements)
        return ByteBuffer(bytes: JSONWriter.bytes(.object(edited)))
    }

    private func forward(_ upstreamRequest: UpstreamRequest, exchange: Exchange) async throws -> Response {
        let waitStarted = ContinuousClock.now
        let response: UpstreamResponse
        do {
            response = try await services.pipelineTransport.send(upstreamRequest, timeout: services.config.upstreamTimeout)
        } catch let failure as UpstreamFailure {
            exchange.timing.addUpstreamWait(.now - waitStarted)
            services.metrics.llmRequest(exchange.callLabels, status: 0, duration: .now - waitStarted, usage: nil)
            throw await fail(failure.gatewayError, exchange)
        }
        exchange.timing.addUpstreamWait(.now - waitStarted)
        let headers = UpstreamHeaders.forClient(from: response.headerFields)
        // A reply is judged by what it is, not by what was asked: only an event stream answering a stream request
        // goes through the stream gate; everything else (JSON to a stream request included) must be one JSON
        // object, judged whole.
        if exchange.request.stream, response.isEventStream, (200..<300).contains(response.status.code) {
            return streamingResponse(status: response.status, headers: headers, body: response.body, exchange: exchange, callStarted: waitStarted)
        }
        return try await bufferedResponse(response, headers: headers, exchange: exchange, callStarted: waitStarted)
    }

    /// Queues the interaction record (with its summary and usage, from the values at hand) and counts the gateway's
    /// overhead. With synchronous durability it waits until the record is stored, and throws when it could not be
    /// (the response must then not go out as if it had been).
    func record(
        _ exchange: Exchange, status: Int, responseJSON: String, response: JSONValue? = nil, judged: JudgedReply? = nil,
        spend: CallSpend = .none, firstTokenMs: Double? = nil
    ) async throws {
        services.metrics.gatewayOverhead(provider: adapter.provider, duration: exchange.timing.overhead)
        let evaluation = InteractionEvaluation(
            context: exchange.context, dualLlm: Set(exchange.dualLlm.keys), calls: judged?.calls ?? [],
            decisions: judged?.verdict.decisions ?? [], reply: judged?.hosted, tracksContinuation: adapter.tracksContinuation
        )
        let summary = InteractionSummary(
            evaluation: evaluation, userText: adapter.latestUserText(in: exchange.request.body),
            replyText: response.flatMap(adapter.replyText(in:))
        )
        let usage = InteractionUsage(
            tokens: spend.report, cost: spend.cost, timeToFirstTokenMs: firstTokenMs, dualLlm: exchange.dualLlmUsage
        )
        services.limits.spent(
            tokens: (spend.report?.totalTokens ?? 0) + (exchange.dualLlmUsage?.tokens.totalTokens ?? 0),
            cost: [spend.cost, exchange.dualLlmUsage?.cost].compactMap { $0 }.reduce(USDAmount.zero, +),
            agentId: exchange.agent.id, at: services.clock.now()
        )
        let sequence = await exchange.draft.finish(
            status: status, responseJSON: responseJSON, evaluation: evaluation, summary: summary, relayed: judged?.relayed,
            usage: usage.isEmpty ? nil : usage, into: services.log
        )
        if services.config.logWriter.durability == .sync,
           !(await services.log.waitUntilStored(sequence, timeout: services.config.logWriter.syncTimeout)) {
            services.metrics.requestRefusedForLog(reason: "record_not_stored")
            throw VendorShapedError(
                VendorError(
                    kind: .unavailable, status: 503,
                    message: "The gateway could not store this interaction in time, and every interaction must be stored before it is answered; try again shortly."
                ),
                vendor: adapter.provider.vendor, headers: [.retryAfter: "5"]
            )
        }
    }
}
