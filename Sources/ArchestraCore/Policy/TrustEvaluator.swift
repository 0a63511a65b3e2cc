/// A tool result as every provider's adapter presents it.
public struct NeutralToolResult: Sendable, Hashable {
    public var toolCallId: String
    /// The tool's name, found from the matching tool call; nil when no call matches.
    public var toolName: String?
    /// The content: parsed JSON when it is JSON, else the raw string.
    public var value: JSONValue
    /// Content a provider-side tool produced (a web search, a remote MCP call): the model has already read it, so it
    /// can taint the context but can be neither redacted nor replaced by a summary.
    public var hosted: Bool

    public init(toolCallId: String, toolName: String?, value: JSONValue, hosted: Bool = false) {
        self.toolCallId = toolCallId
        self.toolName = toolName
        self.value = value
        self.hosted = hosted
    }
}

/// How far a tool result can be believed.
public enum TrustVerdict: String, Sendable, Hashable {
    case trusted, untrusted, blocked
}

/// A verdict and the sentence that explains it.
public struct TrustJudgement: Sendable, Hashable {
    public var verdict: TrustVerdict
    public var reason: String

    public init(verdict: TrustVerdict, reason: String) {
        self.verdict = verdict
        self.reason = reason
    }
}

/// Judges tool results against trusted-data policies. Pure: no I/O, no clock.
public enum TrustEvaluator {
    /// The verdict of one tool result: the first rule that applies.
    public static func judge(_ result: NeutralToolResult, snapshot: PolicySnapshot) -> TrustJudgement {
        guard let name = result.toolName else {
            return TrustJudgement(verdict: .untrusted, reason: "No matching tool call found for tool result \(result.toolCallId) - data is untrusted")
        }
        let rules = snapshot.rules(for: name)
        for policy in rules.trustedData where policy.action == .blockAlways {
            if policy.path.extract(from: result.value).contains(where: policy.condition.isSatisfied(by:)) {
                return TrustJudgement(verdict: .blocked, reason: "Data blocked by policy: \(policy.description)")
            }
        }
        for policy in rules.trustedData where policy.action == .markAsTrusted {
            let values = policy.path.extract(from: result.value)
            if !values.isEmpty, values.allSatisfy(policy.condition.isSatisfied(by:)) {
                return TrustJudgement(verdict: .trusted, reason: "Data trusted by policy: \(policy.description)")
            }
        }
        if rules.dataIsTrustedByDefault {
            return TrustJudgement(verdict: .trusted, reason: "Tool \(name) is configured to trust data by default")
        }
        if !rules.trustedData.isEmpty {
            return TrustJudgement(verdict: .untrusted, reason: "Data does not match any trust policies - considered untrusted")
        }
        return TrustJudgement(verdict: .untrusted, reason: "No trust policy defined for tool \(name) - data is untrusted by default")
    }

    /// The text that replaces a blocked result's content in the request sent upstream.
    public static func redactionText(reason: String) -> String {
        "[Content blocked by policy: \(reason)]"
    }
}
