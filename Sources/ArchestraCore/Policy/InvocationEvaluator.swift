/// A tool call returned by the model, as every provider's adapter presents it.
public struct NeutralToolCall: Sendable, Hashable {
    /// The call's arguments: parsed, or the raw text when it is not JSON.
    public enum Arguments: Sendable, Hashable {
        case parsed(JSONValue)
        case unparseable(String)
    }

    public var id: String
    public var name: String
    public var arguments: Arguments

    public init(id: String, name: String, arguments: Arguments) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// Builds a call from argument text (OpenAI's `function.arguments`).
    public init(id: String, name: String, argumentsText: String) {
        let parsed = try? JSONParser.parse(argumentsText)
        self.init(id: id, name: name, arguments: parsed.map(Arguments.parsed) ?? .unparseable(argumentsText))
    }

    /// The arguments as the refusal quotes them: compact JSON in shortest number form, or the raw text.
    public var quotedArguments: String {
        switch arguments {
        case .parsed(let value): JSONWriter.string(value, numbers: .shortest)
        case .unparseable(let text): text
        }
    }
}

/// Whether a tool call may reach the client, and why not.
public struct InvocationDecision: Sendable, Hashable {
    public var allowed: Bool
    /// Empty when allowed.
    public var reason: String

    public static let allowed = InvocationDecision(allowed: true, reason: "")

    public static func refused(_ reason: String) -> InvocationDecision { InvocationDecision(allowed: false, reason: reason) }
}

/// Judges returned tool calls against tool-invocation policies and the context's taint. Pure.
public enum InvocationEvaluator {
    /// The decision for one call: the first rule that applies.
    public static func judge(_ call: NeutralToolCall, contextIsTrusted: Bool, snapshot: PolicySnapshot) -> InvocationDecision {
        let arguments: JSONValue
        switch call.arguments {
        case .unparseable: return .refused("Tool call arguments are not valid JSON")
        case .parsed(let value): arguments = value.objectValue.map(JSONValue.object) ?? .object(JSONObject())
        }
        let rules = snapshot.rules(for: call.name)
        for policy in rules.invocation where policy.action == .blockAlways {
            let values = policy.path.extract(from: arguments)
            if !values.isEmpty, values.contains(where: policy.condition.isSatisfied(by:)) {
                if let reason = policy.reason, !reason.isEmpty { return .refused(reason) }
                return .refused("Policy violation: \(policy.argumentName) \(policy.condition.op.rawValue) \(policy.condition.value)")
            }
        }
        if contextIsTrusted { return .allowed }
        if rules.allowUsageWhenUntrustedDataIsPresent { return .allowed }
        let allowPolicies = rules.invocation.filter { $0.action == .allowWhenContextIsUntrusted }
        for policy in allowPolicies where policy.path.extract(from: arguments).isEmpty {
            return .refused("Missing required argument: \(policy.argumentName)")
        }
        for policy in allowPolicies where policy.path.extract(from: arguments).allSatisfy(policy.condition.isSatisfied(by:)) {
            return .allowed
        }
        return .refused("Tool invocation blocked: context contains untrusted data")
    }

    /// Judges every call in order; returns the decisions and the first refused call, if any.
    public static func judgeAll(
        _ calls: [NeutralToolCall], contextIsTrusted: Bool, snapshot: PolicySnapshot
    ) -> (decisions: [InvocationDecision], firstRefused: (call: NeutralToolCall, reason: String)?) {
        var decisions: [InvocationDecision] = []
        var firstRefused: (call: NeutralToolCall, reason: String)?
        for call in calls {
            let decision = judge(call, contextIsTrusted: contextIsTrusted, snapshot: snapshot)
            decisions.append(decision)
            if !decision.allowed, firstRefused == nil { firstRefused = (call, decision.reason) }
        }
        return (decisions, firstRefused)
    }
}

/// The decision on every tool call of one reply: allowed as a whole, or replaced by the refusal of its first
/// refused call. A value the caller acts on (release the reply, or send the refusal).
public struct CallsVerdict: Sendable {
    public var decisions: [InvocationDecision]
    /// The first refused call, whose refusal replaces the reply; nil when every call is allowed.
    public var refusedCall: NeutralToolCall?
    public var refusal: Refusal?

    /// A refusal decided before judging (one entry, refused with its reason).
    public init(refusing refusal: Refusal) {
        decisions = [.refused(refusal.reason)]
        refusedCall = NeutralToolCall(id: refusal.callId, name: refusal.toolName, arguments: .unparseable(refusal.arguments))
        self.refusal = refusal
    }

    /// Judges every call in order.
    public init(_ calls: [NeutralToolCall], contextIsTrusted: Bool, snapshot: PolicySnapshot) {
        let judged = InvocationEvaluator.judgeAll(calls, contextIsTrusted: contextIsTrusted, snapshot: snapshot)
        decisions = judged.decisions
        refusedCall = judged.firstRefused?.call
        refusal = judged.firstRefused.map { Refusal(call: $0.call, reason: $0.reason) }
    }
}
