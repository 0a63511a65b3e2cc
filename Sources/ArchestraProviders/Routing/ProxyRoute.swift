import ArchestraCore

/// What the gateway does with a request under `/v1/{provider}/`.
public enum ProxyRoute: Sendable, Equatable {
    /// Judged by the pipeline.
    case pipeline(PipelineRoute)
    /// Forwarded as is to `upstreamPath` below the provider's base URL.
    case passThrough(upstreamPath: String)
    /// Answered by the gateway and never forwarded.
    case refused(RouteRefusal)
}

/// A pipeline call: its endpoint, the agent segment, where it goes upstream and how it is labelled.
public struct PipelineRoute: Sendable, Equatable {
    public var endpoint: Endpoint
    /// The URL's agent-id segment, as written (validated later: not a UUID → 400).
    public var agentSegment: String?
    /// The path below the provider's base URL.
    public var upstreamPath: String
    public var facts: RouteFacts
    /// The `route` label of its metrics: a template, never a raw path.
    public var template: String
}

/// Why a request is answered without being forwarded.
public struct RouteRefusal: Error, Sendable, Equatable {
    /// 400 for a malformed path, 404 for a route the gateway does not judge.
    public var status: Int
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    static func malformed(_ message: String) -> RouteRefusal { RouteRefusal(status: 400, message: message) }
}
