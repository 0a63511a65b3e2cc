import ArchestraCore
import Foundation

/// What a request under `/v1/{provider}/` is: a pipeline call (with its agent-id segment, if any) or a
/// pass-through to the provider (with the path below the provider's base URL). Decided in one place so that no
/// path shape can slip a pipeline request past the pipeline.
enum ProviderPath: Equatable {
    case openAIChatCompletions(agentId: String?)
    case passThrough(upstreamPath: String)

    /// Path endings that belong to the pipeline: never forwarded, whatever the path shape.
    static let pipelineSuffixes = ["/chat/completions", "/messages", ":generateContent", ":streamGenerateContent"]

    /// Classifies a raw (still percent-encoded) request path.
    static func classify(method: String, path: String, provider: Provider) throws -> ProviderPath {
        let prefix = "/v1/\(provider.rawValue)/"
        guard path.hasPrefix(prefix) else { throw GatewayError.notFound("Route not found") }
        var segments = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for segment in segments {
            let lowered = segment.lowercased()
            if segment == "." || segment == ".." || lowered.contains("%2f") || lowered.contains("%5c") || lowered.contains("%2e") {
                throw GatewayError.badRequest("Path segments '.', '..' and encoded slashes are not allowed")
            }
        }
        if provider == .openai, method == "POST" {
            if segments == ["chat", "completions"] { return .openAIChatCompletions(agentId: nil) }
            if segments.count == 3, segments[1...] == ["chat", "completions"] { return .openAIChatCompletions(agentId: segments[0]) }
        }
        if pipelineSuffixes.contains(where: { path.hasSuffix($0) }) { throw GatewayError.notFound("Route not found") }
        if let first = segments.first, UUID(uuidString: first) != nil { segments.removeFirst() }
        if provider != .openai, let first = segments.first, first == "v1" || first == "v1beta" { segments.removeFirst() }
        return .passThrough(upstreamPath: "/" + segments.joined(separator: "/"))
    }
}
