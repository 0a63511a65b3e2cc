/// A pipeline request body that breaks the provider's request shape; answered 400 with `message`.
public struct ProviderRequestError: Error, Sendable, Equatable {
    /// Names the field and what was wrong with it.
    public let message: String

    public init(_ message: String) { self.message = message }
}
