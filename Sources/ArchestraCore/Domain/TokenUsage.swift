/// Tokens a provider reported for one call.
public struct TokenUsage: Sendable, Equatable {
    public var input: Int?
    public var output: Int?

    public init(input: Int?, output: Int?) {
        self.input = input
        self.output = output
    }
}
