/// The tokens one provider call used, in the terms prices are quoted in, whatever the provider's own names.
///
/// `inputTokens` counts every prompt token, cached ones included; `cachedInputTokens` is the part of them served
/// from the provider's prompt cache (cheaper). `outputTokens` counts every generated token, reasoning included;
/// `reasoningTokens` is the part of them spent thinking. Each is nil when the provider did not report it.
public struct UsageReport: Sendable, Hashable {
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var cachedInputTokens: Int?
    public var reasoningTokens: Int?

    public init(inputTokens: Int? = nil, outputTokens: Int? = nil, cachedInputTokens: Int? = nil, reasoningTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.reasoningTokens = reasoningTokens
    }

    /// Every token the call used, as budgets count them: input (cached included) and output (reasoning included).
    public var totalTokens: Int { (inputTokens ?? 0) + (outputTokens ?? 0) }

    /// Both reports added kind by kind; a kind stays nil only when neither reported it.
    public func adding(_ other: UsageReport) -> UsageReport {
        func sum(_ a: Int?, _ b: Int?) -> Int? {
            switch (a, b) {
            case (nil, nil): nil
            default: (a ?? 0) + (b ?? 0)
            }
        }
        return UsageReport(
            inputTokens: sum(inputTokens, other.inputTokens), outputTokens: sum(outputTokens, other.outputTokens),
            cachedInputTokens: sum(cachedInputTokens, other.cachedInputTokens),
            reasoningTokens: sum(reasoningTokens, other.reasoningTokens)
        )
    }

    /// The report as the admin API and the stored record show it.
    public var json: JSONValue {
        .object(JSONObject([
            ("inputTokens", Self.count(inputTokens)), ("outputTokens", Self.count(outputTokens)),
            ("cachedInputTokens", Self.count(cachedInputTokens)), ("reasoningTokens", Self.count(reasoningTokens)),
        ]))
    }

    /// Reads what `json` wrote; nil for anything but an object.
    public init?(json: JSONValue?) {
        guard case .object(let object)? = json else { return nil }
        self.init(
            inputTokens: object["inputTokens"]?.intValue, outputTokens: object["outputTokens"]?.intValue,
            cachedInputTokens: object["cachedInputTokens"]?.intValue, reasoningTokens: object["reasoningTokens"]?.intValue
        )
    }

    private static func count(_ value: Int?) -> JSONValue { value.map(JSONValue.integer) ?? .null }
}
