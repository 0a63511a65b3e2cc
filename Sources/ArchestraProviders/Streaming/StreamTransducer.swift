import ArchestraCore

/// Follows one streamed reply of an endpoint, event by event. Each event is parsed once, in `observe`, which also
/// says whether it carries a tool call (from then on the gate holds the stream); `fold` then adds it to the
/// reassembled reply.
///
/// A transducer is a value: the gate keeps a copy taken when the hold began, which is what the client had been
/// sent; on a refusal that copy folds the refusal events, so the record shows exactly what the client received.
public protocol StreamTransducer: Sendable {
    /// One provider event, parsed.
    associatedtype Observation: Sendable

    /// Parses one provider event and says whether it carries a tool call.
    func observe(_ event: ServerSentEvent) -> (observation: Observation, carriesToolCall: Bool)
    /// Adds an observed event to the reassembled reply.
    mutating func fold(_ observation: Observation)
    /// The tool calls reassembled from everything folded.
    func toolCalls() -> [NeutralToolCall]
    /// The reply reassembled from everything folded.
    func assembled() -> JSONValue
    /// The tokens the stream reported.
    func usage() -> TokenUsage?
    /// The tokens the stream reported, every kind, in the terms prices are quoted in.
    func usageReport() -> UsageReport?
    /// Whether an observed event carries generated output (the time to first token ends there).
    func carriesFirstToken(_ observation: Observation) -> Bool
    /// The events that end the stream in place of the held ones, folded into `self` (the state when the hold
    /// began). `upstream` is everything the provider sent: the held call's position, the usage, the last ids.
    mutating func refusalEvents(_ refusal: Refusal, upstream: Self) -> [UInt8]
    /// Content the provider's own tools produced in the stream, judged like tool results.
    func hostedResults() -> [NeutralToolResult]
    /// The id the provider gave the streamed reply.
    var responseId: String? { get }
}

extension StreamTransducer {
    public func hostedResults() -> [NeutralToolResult] { [] }
    public var responseId: String? { nil }
}

/// Rules every endpoint's stream follows.
public enum StreamEvents {
    /// An event whose data the gateway cannot read might be a tool call a client can read (Python's JSON parser
    /// takes `NaN`, for one), so it starts the hold; a hold with no call the gateway can judge ends in a refusal.
    public static let unreadableHolds = true
}
