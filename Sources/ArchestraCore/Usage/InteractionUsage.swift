/// What one interaction used and cost: the pipeline call's tokens and price, how soon a stream produced its first
/// token, and the Dual LLM calls made for it, kept apart because they ran on another model for the gateway's own
/// judgement. Stored with the interaction and added into the usage rollups when it is written.
public struct InteractionUsage: Sendable, Hashable {
    /// What the provider reported for the pipeline call; nil when it reported nothing (an error, a cut stream).
    public var tokens: UsageReport?
    /// The pipeline call's cost; nil when nothing was reported or the model has no price.
    public var cost: USDAmount?
    /// Streams: from the request's arrival to the first generated token the provider sent.
    public var timeToFirstTokenMs: Double?
    public var dualLlm: DualLLMUsage?

    public init(tokens: UsageReport? = nil, cost: USDAmount? = nil, timeToFirstTokenMs: Double? = nil, dualLlm: DualLLMUsage? = nil) {
        self.tokens = tokens
        self.cost = cost
        self.timeToFirstTokenMs = timeToFirstTokenMs
        self.dualLlm = dualLlm
    }

    /// Nothing to store: no tokens, no first token, no Dual LLM call.
    public var isEmpty: Bool { tokens == nil && cost == nil && timeToFirstTokenMs == nil && dualLlm == nil }

    /// Every token spent for the interaction, the Dual LLM's included; nil when nothing was reported.
    public var totalTokens: Int? {
        guard tokens != nil || dualLlm != nil else { return nil }
        return (tokens?.totalTokens ?? 0) + (dualLlm?.tokens.totalTokens ?? 0)
    }

    /// What the interaction cost, the Dual LLM's calls included; nil when no part of it had a price.
    public var totalCost: USDAmount? {
        let parts = [cost, dualLlm?.cost].compactMap { $0 }
        return parts.isEmpty ? nil : parts.reduce(.zero, +)
    }

    /// The stored form. Costs are kept as whole nanodollars, so reading them back is exact.
    public var json: JSONValue {
        var object = JSONObject([("tokens", tokens?.json ?? .null), ("costNanoUsd", Self.nanos(cost))])
        object["timeToFirstTokenMs"] = timeToFirstTokenMs.map(JSONValue.double) ?? .null
        object["dualLlm"] = dualLlm?.json ?? .null
        return .object(object)
    }

    /// Reads what `json` wrote; nil for anything but an object.
    public init?(json: JSONValue?) {
        guard case .object(let object)? = json else { return nil }
        self.init(
            tokens: UsageReport(json: object["tokens"]), cost: Self.amount(object["costNanoUsd"]),
            timeToFirstTokenMs: object["timeToFirstTokenMs"]?.doubleValue, dualLlm: DualLLMUsage(json: object["dualLlm"])
        )
    }

    static func nanos(_ amount: USDAmount?) -> JSONValue { amount.map { .number(String($0.nanodollars)) } ?? .null }

    static func amount(_ value: JSONValue?) -> USDAmount? {
        guard case .number(let text)? = value, let nanos = Int64(text) else { return nil }
        return USDAmount(nanodollars: nanos)
    }
}

/// The Dual LLM calls one interaction needed, summed: they all go to the one configured model.
public struct DualLLMUsage: Sendable, Hashable {
    public var provider: Provider
    public var model: String
    /// How many calls reported usage.
    public var calls: Int
    public var tokens: UsageReport
    /// nil when the model has no price.
    public var cost: USDAmount?

    public init(provider: Provider, model: String, calls: Int, tokens: UsageReport, cost: USDAmount?) {
        self.provider = provider
        self.model = model
        self.calls = calls
        self.tokens = tokens
        self.cost = cost
    }

    var json: JSONValue {
        .object(JSONObject([
            ("provider", .string(provider.rawValue)), ("model", .string(model)), ("calls", .integer(calls)),
            ("tokens", tokens.json), ("costNanoUsd", InteractionUsage.nanos(cost)),
        ]))
    }

    init?(json: JSONValue?) {
        guard case .object(let object)? = json, let provider = object["provider"]?.stringValue.flatMap(Provider.init(rawValue:)),
              let model = object["model"]?.stringValue, let tokens = UsageReport(json: object["tokens"])
        else { return nil }
        self.init(
            provider: provider, model: model, calls: object["calls"]?.intValue ?? 0, tokens: tokens,
            cost: InteractionUsage.amount(object["costNanoUsd"])
        )
    }
}
