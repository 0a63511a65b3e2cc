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

/// How a client's `User-Agent` becomes an agent name.
public enum AgentName {
    /// Longest name taken from a `User-Agent`, in Unicode scalars (so at most 512 bytes).
    public static let maxLength = 128

    /// The `User-Agent`, control characters removed and cut to `maxLength`; `Default Agent` when nothing is left.
    public static func fromUserAgent(_ userAgent: String?) -> String {
        let cleaned = String(String.UnicodeScalarView((userAgent ?? "").unicodeScalars.filter { !$0.properties.isControl(orFormat: false) }))
            .trimmingCharacters(in: .whitespaces)
        guard !cleaned.isEmpty else { return Agent.defaultName }
        // Cut by scalars, not by characters: one character may hold any number of combining marks, so a
        // character count would let a 64 KB User-Agent through whole.
        return String(String.UnicodeScalarView(cleaned.unicodeScalars.prefix(maxLength)))
    }
}

extension Unicode.Scalar.Properties {
    /// C0/C1 control characters (and, with `orFormat`, invisible format characters).
    fileprivate func isControl(orFormat: Bool) -> Bool {
        generalCategory == .control || (orFormat && generalCategory == .format)
    }
}
