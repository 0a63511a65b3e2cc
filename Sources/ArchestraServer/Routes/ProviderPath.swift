import ArchestraCore
import ArchestraProviders
import Foundation

/// What a request under `/v1/{provider}/` is: a pipeline call or a pass-through to the provider. Decided in one
/// place so that no path shape can slip a pipeline request past the pipeline (contract §2.1, §2.2).
enum ProviderPath: Equatable {
    /// A pipeline call: the agent segment, where it goes upstream, what the URL says, and its metrics template.
    case pipeline(PipelineTarget)
    case passThrough(upstreamPath: String)

    /// Path endings that belong to the pipeline: never forwarded, whatever the path shape.
    static let pipelineSuffixes = ["/chat/completions", "/messages", ":generateContent", ":streamGenerateContent"]

    /// Classifies a raw (still percent-encoded) request path.
    static func classify(method: String, path: String, query: String? = nil, provider: Provider) throws -> ProviderPath {
        let prefix = "/v1/\(provider.rawValue)/"
        guard path.hasPrefix(prefix) else { throw GatewayError.notFound("Route not found") }
        var segments = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for segment in segments where isUnsafe(segment) {
            throw GatewayError.badRequest("Path segments '.', '..' and encoded slashes are not allowed")
        }
        if method == "POST", let target = try pipelineTarget(segments, query: query, provider: provider) { return .pipeline(target) }
        if looksLikePipeline(path) { throw GatewayError.notFound("Route not found") }
        if let first = segments.first, UUID(uuidString: first) != nil { segments.removeFirst() }
        if provider != .openai, let first = segments.first, first == "v1" || first == "v1beta" { segments.removeFirst() }
        return .passThrough(upstreamPath: "/" + segments.joined(separator: "/"))
    }

    /// The pipeline route a path names, if any: an optional agent-id segment, then the provider's own shape.
    private static func pipelineTarget(_ segments: [String], query: String?, provider: Provider) throws -> PipelineTarget? {
        var rest = segments[...]
        var agentId: String?
        // Without an agent segment the shapes below have fixed first segments; anything else first is the agent id.
        if let first = rest.first, !isProviderShapeStart(first, provider: provider), rest.count > 1 {
            agentId = first
            rest = rest.dropFirst()
        }
        let agentPart = agentId == nil ? "" : "/:agentId"
        switch provider {
        case .openai:
            guard Array(rest) == ["chat", "completions"] else { return nil }
            return PipelineTarget(agentId: agentId, upstreamPath: "/chat/completions", route: RouteFacts(), template: "/v1/openai\(agentPart)/chat/completions")
        case .anthropic:
            let versioned = Array(rest) == ["v1", "messages"]
            guard versioned || Array(rest) == ["messages"] else { return nil }
            return PipelineTarget(
                agentId: agentId, upstreamPath: "/messages", route: RouteFacts(),
                template: "/v1/anthropic\(agentPart)\(versioned ? "/v1" : "")/messages"
            )
        case .gemini:
            if let first = rest.first, first == "v1" || first == "v1beta" { rest = rest.dropFirst() }
            guard rest.count == 2, rest.first == "models", let last = rest.last, let colon = last.lastIndex(of: ":") else { return nil }
            let model = String(last[..<colon])
            let action = String(last[last.index(after: colon)...])
            guard !model.isEmpty, action == "generateContent" || action == "streamGenerateContent" else { return nil }
            let streaming = action == "streamGenerateContent"
            if streaming, !(query ?? "").split(separator: "&").contains("alt=sse") {
                throw GatewayError.badRequest("streamGenerateContent requires ?alt=sse")
            }
            return PipelineTarget(
                agentId: agentId, upstreamPath: "/models/\(model):\(action)",
                route: RouteFacts(model: model.removingPercentEncoding ?? model, streaming: streaming),
                template: "/v1/gemini\(agentPart)/models/:model:\(action)"
            )
        }
    }

    /// A path that ends like a pipeline route in any letter case or with trailing slashes: never forwarded, so no
    /// spelling of a pipeline call can bypass the policies.
    private static func looksLikePipeline(_ path: String) -> Bool {
        var normalized = Substring(path.lowercased())
        while normalized.hasSuffix("/") { normalized = normalized.dropLast() }
        return pipelineSuffixes.contains { normalized.hasSuffix($0.lowercased()) }
    }

    /// `.`, `..`, or an encoded `/`, `\` or `.` (which could turn into one after decoding upstream). A byte scan: this
    /// runs on every proxied request.
    private static func isUnsafe(_ segment: String) -> Bool {
        if segment == "." || segment == ".." { return true }
        let bytes = Array(segment.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return false }
        for index in bytes.indices.dropLast(2) where bytes[index] == UInt8(ascii: "%") {
            let high = bytes[index + 1], low = bytes[index + 2] | 0x20
            if high == UInt8(ascii: "2"), low == UInt8(ascii: "f") || low == UInt8(ascii: "e") { return true }
            if high == UInt8(ascii: "5"), low == UInt8(ascii: "c") { return true }
        }
        return false
    }

    private static func isProviderShapeStart(_ segment: String, provider: Provider) -> Bool {
        switch provider {
        case .openai: segment == "chat"
        case .anthropic: segment == "v1" || segment == "messages"
        case .gemini: segment == "v1" || segment == "v1beta" || segment == "models"
        }
    }
}

/// Where a pipeline request goes and how it is labelled.
struct PipelineTarget: Equatable, Sendable {
    var agentId: String?
    /// The path below the provider's base URL.
    var upstreamPath: String
    var route: RouteFacts
    /// The `route` label of its metrics.
    var template: String
}
