import ArchestraCore
import ArchestraStore
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

    /// How interaction records reach the store (see `InteractionLogWriter`).
    public struct LogWriterSettings: Sendable, Equatable {
        public var batchSize: Int
        public var flushInterval: Duration
        /// Records held in memory while the store is behind or unreachable.
        public var bufferRecords: Int
        /// The memory those records may take (their JSON text).
        public var bufferBytes: Int
        /// Where records beyond the memory buffer wait (an append-only file); nil: no spilling.
        public var spillDirectory: String?
        public var spillBytes: Int
        public var overflow: LogOverflow
        public var durability: LogDurability
        /// With `sync`, how long a response waits for its record before the client gets 503 instead.
        public var syncTimeout: Duration
    }

    /// What happens when the interaction buffer (memory and spill file) is full.
    public enum LogOverflow: String, Sendable, CaseIterable {
        /// New pipeline requests are answered 503 until there is room; nothing recorded is lost.
        case reject
        /// The oldest waiting records are dropped and counted.
        case drop
        /// Requests wait for room (backpressure).
        case wait
    }

    /// When a pipeline request's response may go out relative to its record.
    public enum LogDurability: String, Sendable, CaseIterable {
        /// Records are written in batches after the response (a hard crash loses at most about one flush interval).
        case batch
        /// The response waits until its record is committed (or, while the database is unreachable, on disk in the
        /// spill file).
        case sync
    }

    /// Stopping without failing a request.
    public struct ShutdownSettings: Sendable, Equatable {
        /// How long `/ready` answers 503 while requests are still served, so a load balancer can stop sending.
        public var drain: Duration
        /// How long requests in flight (streams included) may take to finish afterwards.
        public var timeout: Duration
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
    public var logWriter: LogWriterSettings
    public var shutdown: ShutdownSettings
    /// Interactions older than this many days are deleted; nil keeps them.
    public var retentionDays: Int?
    /// How often each instance checks the change version (the backstop for a lost change notification).
    public var changeCheckInterval: Duration
    /// Connections to PostgreSQL per instance.
    public var databasePoolSize: Int
    /// Time to open one PostgreSQL connection.
    public var databaseConnectTimeout: Duration
    /// Connections per provider host.
    public var upstreamConnectionsPerHost: Int
    /// How often each instance adds its usage to the shared limit counters and reads everyone's totals: the
    /// precision of limits shared by several instances.
    public var limitSyncInterval: Duration = .seconds(1)
    /// Whether the web UI is served (off: the proxy and the JSON API only).
    public var webUI = true
    /// Whether `archestra serve` runs Swift's tasks on NIO's event loop threads instead of a pool of their own:
    /// a request's work then stays on the thread that reads and writes its connection (less CPU per request), but
    /// the synchronous parts of a very large request then hold up other connections' I/O for longer.
    public var eventLoopExecutor = false

    /// The log line printed at start: address, store, modes; never a secret.
    public var startupSummary: String {
        var parts = [
            "store: \(database.summary)", "benchmark mock mode: \(mockMode ? "on" : "off")",
            "admin token: \(adminToken == nil ? "not set (admin API open)" : "set")",
            "virtual keys: \(requireVirtualKey ? "required" : "optional")",
        ]
        if metricsToken != nil { parts.append("metrics token: set") }
        if forwardUnjudgedRoutes { parts.append("unjudged routes are forwarded") }
        parts.append("log durability: \(logWriter.durability.rawValue)")
        parts.append("when the log buffer is full: \(logWriter.overflow.rawValue)")
        parts.append("spill file: \(logWriter.spillDirectory == nil ? "off" : "on")")
        parts.append("retention: \(retentionDays.map { "\($0) days" } ?? "forever")")
        return "Archestra listening on http://\(host):\(port) — " + parts.joined(separator: ", ")
    }
}

extension AppConfig.LogWriterSettings {
    /// The writer's configuration for these settings.
    var writerConfiguration: InteractionLogWriter.Configuration {
        let overflow: InteractionLogWriter.Configuration.Overflow = switch self.overflow {
        case .reject: .reject
        case .drop: .drop
        case .wait: .wait
        }
        return InteractionLogWriter.Configuration(
            maxBatchSize: batchSize, flushInterval: flushInterval, capacity: bufferRecords, capacityBytes: bufferBytes,
            spillDirectory: spillDirectory, spillBytes: spillBytes, overflow: overflow
        )
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
