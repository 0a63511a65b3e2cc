/// Conversation state kept at the provider that a request builds on (Responses `previous_response_id` or
/// `conversation`): the gateway cannot see what it holds, so it must remember what it relayed into it.
public struct Continuation: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case previousResponse, conversation
    }

    public var kind: Kind
    public var id: String

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }
}

/// What the gateway remembers of a continued response or conversation, and so how far it can be trusted.
public struct ContinuationVerdict: Sendable, Hashable {
    public var kind: Continuation.Kind
    public var id: String
    public var trusted: Bool
    public var reason: String

    public init(kind: Continuation.Kind, id: String, trusted: Bool, reason: String) {
        self.kind = kind
        self.id = id
        self.trusted = trusted
        self.reason = reason
    }

    /// A continuation the gateway never relayed: untrusted, since it may hold anything.
    public static func unseen(_ continuation: Continuation) -> ContinuationVerdict {
        let what = continuation.kind == .previousResponse ? "a response" : "a conversation"
        return ContinuationVerdict(
            kind: continuation.kind, id: continuation.id, trusted: false, reason: "Continues \(what) the gateway has not seen"
        )
    }

    /// A continuation whose remembered trust decides.
    public static func remembered(_ continuation: Continuation, trusted: Bool) -> ContinuationVerdict {
        let what = continuation.kind == .previousResponse ? "response" : "conversation"
        let reason = trusted
            ? "Continues a \(what) the gateway relayed with a trusted context"
            : "Continues a \(what) that held untrusted data"
        return ContinuationVerdict(kind: continuation.kind, id: continuation.id, trusted: trusted, reason: reason)
    }

    /// The record's `evaluation.continuation`.
    public var json: JSONValue {
        .object(JSONObject([
            ("kind", .string(kind.rawValue)), ("id", .string(id)), ("trusted", .bool(trusted)), ("reason", .string(reason)),
        ]))
    }
}
