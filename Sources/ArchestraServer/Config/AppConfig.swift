import ArchestraCore
import ArchestraStorePostgres
import Foundation

/// Everything the server needs to know, read once at start from the environment (and command-line overrides).
public struct AppConfig: Sendable {
    /// Which database backs the platform.
    public enum Database: Sendable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(PostgresStoreConfiguration)

        /// A description safe to print (no password).
        public var summary: String {
            switch self {
            case .sqliteFile(let path): "SQLite (\(path))"
            case .sqliteMemory: "SQLite (in memory)"
            case .postgres(let configuration): "PostgreSQL (\(configuration.redactedURL))"
            }
        }
    }

    /// How log lines are written.
    public enum LogFormat: String, Sendable {
        case text, json
    }

    /// Bounds on what one pipeline request may ask the gateway to do (each beyond its bound is a 400).
    public struct RequestLimits: Sendable, Equatable {
        public var maxMessages: Int
        public var maxToolDeclarations: Int
        public var maxToolResults: Int
    }

    /// Bounds on the state clients can make the gateway keep.
    public struct StateLimits: Sendable, Equatable {
        /// Agents created from `User-Agent`s; beyond it requests go to the fallback agent.
        public var maxAutoAgents: Int
        /// Tools recorded per agent from declarations; beyond it new declarations are not recorded.
        public var maxToolsPerAgent: Int
        /// Distinct values of a client-driven metric label (model, agent, tool); beyond it the value is `other`.
        public var maxMetricLabelValues: Int
    }

    public var host: String
    public var port: Int
    public var database: Database
    /// Upstream base URLs without a trailing slash.
    public var upstreamBaseURLs: [Provider: String]
    /// Server-side provider keys.
    public var serverKeys: [Provider: String]
    public var mockMode: Bool
    public var adminToken: String?
    public var metricsToken: String?
    /// Provider routes accept only requests authenticated with a virtual key.
    public var requireVirtualKey: Bool
    public var maxBodyBytes: Int
    /// Largest provider reply, streamed or not; beyond it the answer is 502.
    public var maxUpstreamBodyBytes: Int
    public var upstreamTimeout: Duration
    /// Forward writes the gateway cannot judge instead of refusing them (an explicit opt-out of fail-closed routing).
    public var forwardUnjudgedRoutes: Bool
    public var requestLimits: RequestLimits
    public var stateLimits: StateLimits
    public var logFormat: LogFormat

    /// The log line printed at start: address, store, modes; never a secret.
    public var startupSummary: String {
        var parts = [
            "store: \(database.summary)", "benchmark mock mode: \(mockMode ? "on" : "off")",
            "admin token: \(adminToken == nil ? "not set (admin API open)" : "set")",
            "virtual keys: \(requireVirtualKey ? "required" : "optional")",
        ]
        if metricsToken != nil { parts.append("metrics token: set") }
        if forwardUnjudgedRoutes { parts.append("unjudged routes are forwarded") }
        return "Archestra listening on http://\(host):\(port) — " + parts.joined(separator: ", ")
    }
}

/// A configuration value that cannot be used; the message names the variable and never repeats a secret.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

extension AppConfig.RequestLimits {
    /// 400 when a request holds more of something than the gateway accepts.
    func check(count: Int, of what: String, limit: Int, variable: String) throws {
        guard count > limit else { return }
        throw GatewayError.badRequest("The request holds \(count) \(what); the gateway accepts at most \(limit) (\(variable))")
    }
}
