/// Decides, event by event, what of a provider's stream reaches the client.
///
/// Events pass through as they arrive until the first one that carries a tool call; from then on everything is
/// held until the stream ends, when the caller judges the reassembled calls and either releases the held events
/// or replaces them with a refusal. Text therefore streams without delay and a refused call never leaves.
public struct StreamGate<Event: Sendable>: Sendable {
    /// What to do with an event just received.
    public enum Action: Sendable {
        case forward(Event)
        case hold
    }

    private var held: [Event] = []
    private var holding = false

    public init() {}

    /// True once a tool-call event arrived.
    public var isHolding: Bool { holding }

    /// Takes the next event.
    public mutating func receive(_ event: Event, carriesToolCall: Bool) -> Action {
        if carriesToolCall { holding = true }
        guard holding else { return .forward(event) }
        held.append(event)
        return .hold
    }

    /// Ends the stream: the held events, in order, for the caller to release or drop.
    public mutating func finish() -> [Event] {
        defer { held.removeAll() }
        return held
    }
}
