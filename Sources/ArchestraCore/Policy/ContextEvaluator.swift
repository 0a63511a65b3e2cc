/// The verdicts on every tool result of a conversation and the taint they leave (contract §3, step 3).
public struct ContextJudgement: Sendable {
    public var results: [NeutralToolResult]
    public var judgements: [TrustJudgement]

    /// Trusted iff every tool result is trusted (no results: trusted).
    public var contextIsTrusted: Bool { judgements.allSatisfy { $0.verdict == .trusted } }

    /// Judges each result against the agent's snapshot.
    public init(results: [NeutralToolResult], snapshot: PolicySnapshot) {
        self.results = results
        self.judgements = results.map { TrustEvaluator.judge($0, snapshot: snapshot) }
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
    /// The record of one request: its context's verdicts and the decisions on the calls the model returned.
    public init(context: ContextJudgement, dualLlm: Set<Int> = [], calls: [NeutralToolCall] = [], decisions: [InvocationDecision] = []) {
        self.init(
            contextIsTrusted: context.contextIsTrusted,
            toolResults: context.verdicts(dualLlm: dualLlm),
            toolCalls: zip(calls, decisions).map { call, decision in
                ToolCallVerdict(toolCallId: call.id, toolName: call.name, allowed: decision.allowed, reason: decision.reason)
            }
        )
    }
}
