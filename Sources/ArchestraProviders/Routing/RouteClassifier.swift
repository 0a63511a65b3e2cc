import ArchestraCore

/// Decides, on the raw request target, whether a request under `/v1/{provider}/` is judged by the pipeline,
/// forwarded, or refused. It is the one place that can let a request reach a provider, so it fails closed:
///
/// - a path is made only of plain segments: no empty, `.` or `..` segment, no percent-encoding and no character
///   outside `A–Z a–z 0–9 . _ ~ : @ -`, so no provider's path normalisation can turn it into another route;
/// - a pipeline route matches exactly; every other `POST`, `PUT` or `PATCH` is forwarded only when it is on a short
///   allow-list of routes that cannot produce tool calls (`embeddings`, `files`, …), unless the operator opted
///   into forwarding unjudged routes;
/// - `GET`, `HEAD`, `DELETE` and `OPTIONS` are forwarded (without a body): they read or delete, never generate.
public enum RouteClassifier {
    /// Classifies a raw request target (path and query, still percent-encoded).
    public static func classify(method: String, target: String, provider: Provider, forwardUnjudged: Bool = false) -> ProxyRoute {
        // Bytes, not characters: every request is classified, and the path is ASCII unless it is refused anyway.
        let (path, query) = split(target)
        let prefix = "/v1/\(provider.rawValue)/"
        guard path.utf8.starts(with: prefix.utf8) else { return .refused(RouteRefusal(status: 404, message: "Route not found")) }
        let segments = path.utf8.dropFirst(prefix.utf8.count)
            .split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(Substring($0)) }
        if let problem = segments.lazy.compactMap(problem(with:)).first { return .refused(.malformed(problem)) }
        let shape = RouteShape(segments: segments, provider: provider)
        let writes = method == "POST" || method == "PUT" || method == "PATCH"
        if method == "POST" {
            switch pipelineRoute(shape, query: query, provider: provider) {
            case .success(let route?): return .pipeline(route)
            case .failure(let refusal): return .refused(refusal)
            case .success(nil): break
            }
        }
        if writes, !forwardUnjudged, !UnjudgedRoutes.allows(shape.rest, provider: provider) {
            return .refused(RouteRefusal(status: 404, message: "\(method) \(path) is not judged by the gateway and is not forwarded"))
        }
        return .passThrough(upstreamPath: "/" + shape.rest.joined(separator: "/"))
    }

    /// Path and query of a request target; a fragment (never sent by a real client) stays in the path and is
    /// refused with it.
    static func split(_ target: String) -> (path: Substring, query: Substring?) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target[...], nil) }
        return (target[..<mark], target[target.utf8.index(after: mark)...])
    }

    /// Why a path segment is refused, or nil for a plain one.
    static func problem(with segment: String) -> String? {
        if segment.isEmpty { return "Empty path segments ('//' or a trailing '/') are not allowed" }
        if segment == "." || segment == ".." { return "Path segments '.' and '..' are not allowed" }
        for byte in segment.utf8 where !isPlain(byte) {
            if byte == UInt8(ascii: "%") { return "Percent-encoded characters are not allowed in the path" }
            return "The path contains a character the gateway does not forward"
        }
        return nil
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

/// A path below `/v1/{provider}/`: the optional agent-id segment and the vendor's own path after it.
struct RouteShape {
    /// The first segment when it is an agent id (a UUID); pipeline matching also takes a non-UUID there.
    var agentSegment: String?
    /// The vendor's path, without the agent segment and (Anthropic, Gemini) the version segment.
    var rest: [String]
    /// The segments after the agent segment, version included.
    var afterAgent: [String]

    init(segments: [String], provider: Provider) {
        var rest = segments[...]
        if let first = rest.first, UUIDText.isUUID(first) {
            agentSegment = first
            rest = rest.dropFirst()
        }
        afterAgent = Array(rest)
        if provider != .openai, let first = rest.first, first == "v1" || first == "v1beta" { rest = rest.dropFirst() }
        self.rest = Array(rest)
    }
}

/// Text checks for UUIDs, without Foundation on the hot path.
enum UUIDText {
    /// 8-4-4-4-12 hex digits.
    static func isUUID(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20) else {
                    return false
                }
            }
        }
        return true
    }
}
