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

    public var host: String
    public var port: Int
    public var database: Database
    /// Upstream base URLs without a trailing slash.
    public var upstreamBaseURLs: [Provider: String]
    /// Server-side provider keys, used only when a client sends none.
    public var serverKeys: [Provider: String]
    public var mockMode: Bool
    public var adminToken: String?
    public var maxBodyBytes: Int
    public var upstreamTimeout: Duration

    /// The log line printed at start: address, store, mock mode; never a secret.
    public var startupSummary: String {
        "Archestra listening on http://\(host):\(port) — store: \(database.summary), benchmark mock mode: \(mockMode ? "on" : "off"), admin token: \(adminToken == nil ? "not set (admin API open)" : "set")"
    }
}

/// A configuration value that cannot be used; the message names the variable and never repeats a secret.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
