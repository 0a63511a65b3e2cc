import Foundation

/// An agent: one caller of the gateway, owning its tools, policies and interactions.
public struct Agent: Sendable, Hashable {
    /// The name used when a request carries no `User-Agent`.
    public static let defaultName = "Default Agent"

    public var id: UUID
    public var name: String
    public var isDemo: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, name: String, isDemo: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.isDemo = isDemo
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Agent {
    /// The agent requests go to once the gateway may create no more agents from `User-Agent`s.
    public static let overflowName = "Unattributed (agent limit reached)"
}

/// How a client's `User-Agent` becomes an agent name: the same application keeps one agent across releases of
/// its SDK, so versions are removed — `OpenAI/Python 1.109.1` and `OpenAI/Python 2.0.0` are both `OpenAI/Python`.
///
/// Tokens are split on spaces; a `name/version` token keeps its name when the part after `/` starts with a
/// digit (or `v` and a digit); a token that is only a version is dropped, and so is a parenthesised comment
/// (operating system, runtime). Control characters are removed and the result is cut to `maxLength`.
public enum AgentName {
    /// Longest name taken from a `User-Agent`, in Unicode scalars (so at most 512 bytes).
    public static let maxLength = 128

    /// The agent name for a `User-Agent`; `Default Agent` when nothing is left.
    public static func fromUserAgent(_ userAgent: String?) -> String {
        let cleaned = String(String.UnicodeScalarView((userAgent ?? "").unicodeScalars.filter { !$0.properties.isControl(orFormat: true) }))
        var kept: [Substring] = []
        var inComment = 0
        for token in cleaned.split(whereSeparator: \.isWhitespace) {
            if inComment > 0 || token.hasPrefix("(") {
                inComment += token.filter { $0 == "(" }.count - token.filter { $0 == ")" }.count
                inComment = max(inComment, 0)
                continue
            }
            if isVersion(token) { continue }
            if let slash = token.firstIndex(of: "/"), isVersion(token[token.index(after: slash)...]) {
                kept.append(token[..<slash])
            } else {
                kept.append(token)
            }
        }
        let name = kept.joined(separator: " ")
        guard !name.isEmpty else { return Agent.defaultName }
        // Cut by scalars, not by characters: one character may hold any number of combining marks, so a
        // character count would let a 64 KB User-Agent through whole.
        return String(String.UnicodeScalarView(name.unicodeScalars.prefix(maxLength)))
    }

    /// `1.2.3`, `3`, `v2.0`, `2025-01-01`: a digit first, or `v` then a digit.
    static func isVersion(_ token: Substring) -> Bool {
        guard let first = token.first else { return false }
        if first.isASCII, first.isNumber { return true }
        if first == "v" || first == "V", let second = token.dropFirst().first, second.isASCII, second.isNumber { return true }
        return false
    }
}

extension Unicode.Scalar.Properties {
    /// C0/C1 control characters (and, with `orFormat`, invisible format characters).
    fileprivate func isControl(orFormat: Bool) -> Bool {
        generalCategory == .control || (orFormat && generalCategory == .format)
    }
}
