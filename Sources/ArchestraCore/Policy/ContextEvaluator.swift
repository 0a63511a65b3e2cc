/// The verdicts on every tool result of a conversation and the taint they leave.
public struct ContextJudgement: Sendable {
    public var results: [NeutralToolResult]
    public var judgements: [TrustJudgement]
    /// What the gateway knows of the provider-side state the request continues, if it continues any.
    public var continuation: ContinuationVerdict?

    /// Trusted iff every tool result is trusted (no results: trusted) and any continued state is trusted.
    public var contextIsTrusted: Bool {
        judgements.allSatisfy { $0.verdict == .trusted } && (continuation?.trusted ?? true)
    }

    /// Judges each result against the agent's snapshot.
    public init(results: [NeutralToolResult], snapshot: PolicySnapshot, continuation: ContinuationVerdict? = nil) {
        self.results = results
        self.judgements = results.map { TrustEvaluator.judge($0, snapshot: snapshot) }
        self.continuation = continuation
    }

    /// The evaluation record's tool-result entries; `dualLlm` marks results a Dual LLM summary replaced.
    public func verdicts(dualLlm: Set<Int> = []) -> [InteractionEvaluation.ToolResultVerdict] {
        zip(results, judgements).enumerated().map { index, pair in
            InteractionEvaluation.ToolResultVerdict(
                toolCallId: pair.0.toolCallId, toolName: pair.0.toolName, verdict: pair.1.verdict.rawValue,
                reason: pair.1.reason, dualLlm: dualLlm.contains(index)
            )
        }
    }
}

extension InteractionEvaluation {
    /// The record of one request: its context's verdicts, those of content the provider's tools produced in the
    /// reply, and the decisions on the calls the model returned.
    public init(
        context: ContextJudgement, dualLlm: Set<Int> = [], calls: [NeutralToolCall] = [], decisions: [InvocationDecision] = [],
        reply: ContextJudgement? = nil, tracksContinuation: Bool = false
    ) {
        self.init(
            contextIsTrusted: context.contextIsTrusted,
            toolResults: context.verdicts(dualLlm: dualLlm),
            toolCalls: zip(calls, decisions).map { call, decision in
                ToolCallVerdict(toolCallId: call.id, toolName: call.name, allowed: decision.allowed, reason: decision.reason)
            },
            replyToolResults: reply?.verdicts() ?? [],
            tracksContinuation: tracksContinuation,
            continuation: context.continuation
        )
    }
}
