import ArchestraCore
import ArchestraProviders
import Foundation

/// A reply's calls judged: in the request's context, made untrusted by any untrusted content the provider's own
/// tools produced in the same reply.
struct JudgedReply: Sendable {
    let calls: [NeutralToolCall]
    let verdict: CallsVerdict
    /// The verdicts on the reply's hosted tool output, when it had any.
    let hosted: ContextJudgement?
    /// The reply as a later request may continue it, when the provider keeps it.
    let relayed: RelayedResponse?
}

extension ProxyPipeline {
    /// Judges the calls of a reply (whole or streamed) and remembers what a continuation will need.
    func judgeReply(calls: [NeutralToolCall], hosted: [NeutralToolResult], responseId: String?, exchange: Exchange) async -> JudgedReply {
        let judgingStarted = ContinuousClock.now
        let hostedJudgement = hosted.isEmpty ? nil : ContextJudgement(results: hosted, snapshot: exchange.snapshot)
        if let hostedJudgement {
            services.metrics.toolResultsEvaluated(provider: adapter.provider, agent: exchange.agent, judgement: hostedJudgement)
        }
        let trusted = exchange.context.contextIsTrusted && (hostedJudgement?.contextIsTrusted ?? true)
        let verdict = CallsVerdict(calls, contextIsTrusted: trusted, snapshot: exchange.snapshot)
        if let refusal = verdict.refusal {
            services.metrics.blockedTool(provider: adapter.provider, agent: exchange.agent, toolName: refusal.toolName)
        }
        services.metrics.policyEvaluation(duration: .now - judgingStarted)
        let relayed = responseId.map { id in
            RelayedResponse(
                id: id, agentId: exchange.agent.id, trusted: trusted,
                callNames: Dictionary(calls.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first }),
                createdAt: services.clock.now()
            )
        }
        if let relayed { services.continuations.remember(relayed) }
        if let continuation = exchange.context.continuation, continuation.kind == .conversation, !trusted {
            await services.continuations.recordConversation(continuation.id, trusted: false, logger: exchange.logger)
        }
        return JudgedReply(calls: calls, verdict: verdict, hosted: hostedJudgement, relayed: relayed)
    }
}

extension JudgedReply {
    /// A stream held from an event the gateway could not read, with no call to judge: refused as a whole.
    static var unreadableStream: JudgedReply {
        let verdict = CallsVerdict(refusing: .unreadableStream)
        return JudgedReply(calls: [verdict.refusedCall!], verdict: verdict, hosted: nil, relayed: nil)
    }
}

extension Array where Element == NeutralToolResult {
    /// The results, each without a tool name given the name its call id has in `names`.
    func naming(from names: [String: String]) -> [NeutralToolResult] {
        guard !names.isEmpty else { return self }
        return map { result in
            var named = result
            if named.toolName == nil { named.toolName = names[result.toolCallId] }
            return named
        }
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
