import ArchestraCore
import ArchestraProviders
import ArchestraStorePostgres
import Foundation

extension AppConfig {
    /// Command-line values that win over the environment.
    public struct Overrides: Sendable {
        public var host: String?
        public var port: Int?
        public var databaseURL: String?
        public var mockMode: Bool?

        public init(host: String? = nil, port: Int? = nil, databaseURL: String? = nil, mockMode: Bool? = nil) {
            self.host = host
            self.port = port
            self.databaseURL = databaseURL
            self.mockMode = mockMode
        }
    }

    /// Parses and validates the configuration.
    public static func parse(environment: [String: String], overrides: Overrides = .init()) throws -> AppConfig {
        let env = EnvironmentReader(environment)
        let host = overrides.host ?? env.value("ARCHESTRA_HOST") ?? "127.0.0.1"
        let port = try overrides.port ?? env.integer("ARCHESTRA_PORT", default: 9000, range: 0...65535)
        var baseURLs: [Provider: String] = [:]
        var keys: [Provider: String] = [:]
        for provider in Provider.allCases {
            let vendor = provider.vendor
            baseURLs[provider] = try baseURL(env.value(vendor.baseURLVariable) ?? vendor.defaultBaseURL, name: vendor.baseURLVariable)
            keys[provider] = env.value(vendor.keyVariable)
        }
        let adminToken = env.value("ARCHESTRA_ADMIN_TOKEN")
        let poolSize = try env.integer("ARCHESTRA_DB_POOL_SIZE", default: 20, range: 1...1_000)
        let connectTimeout = Duration.seconds(try env.integer("ARCHESTRA_DB_CONNECT_TIMEOUT_SECONDS", default: 5, range: 1...300))
        let config = AppConfig(
            host: host,
            port: port,
            database: try database(
                overrides.databaseURL ?? env.value("DATABASE_URL"),
                poolSize: poolSize, connectTimeout: connectTimeout
            ),
            upstreamBaseURLs: baseURLs,
            serverKeys: keys,
            mockMode: overrides.mockMode ?? (environment["BENCHMARK_MOCK_MODE"] == "true"),
            adminToken: adminToken,
            metricsToken: env.value("ARCHESTRA_METRICS_TOKEN"),
            requireVirtualKey: try env.flag("ARCHESTRA_REQUIRE_VIRTUAL_KEY"),
            maxBodyBytes: try env.integer("ARCHESTRA_MAX_BODY_BYTES", default: 10_485_760, range: 1...1_073_741_824),
            maxUpstreamBodyBytes: try env.integer("ARCHESTRA_MAX_UPSTREAM_BODY_BYTES", default: 33_554_432, range: 1024...1_073_741_824),
            upstreamTimeout: .seconds(try env.integer("ARCHESTRA_UPSTREAM_TIMEOUT_SECONDS", default: 300, range: 1...86_400)),
            forwardUnjudgedRoutes: try env.flag("ARCHESTRA_ALLOW_UNJUDGED_ROUTES"),
            requestLimits: RequestLimits(
                maxMessages: try env.integer("ARCHESTRA_MAX_MESSAGES", default: 10_000, range: 1...1_000_000),
                maxToolDeclarations: try env.integer("ARCHESTRA_MAX_TOOL_DECLARATIONS", default: 512, range: 1...100_000),
                maxToolResults: try env.integer("ARCHESTRA_MAX_TOOL_RESULTS", default: 5_000, range: 1...1_000_000)
            ),
            stateLimits: StateLimits(
                maxAutoAgents: try env.integer("ARCHESTRA_MAX_AUTO_AGENTS", default: 1_000, range: 1...1_000_000),
                maxToolsPerAgent: try env.integer("ARCHESTRA_MAX_TOOLS_PER_AGENT", default: 1_000, range: 1...1_000_000),
                maxMetricLabelValues: try env.integer("ARCHESTRA_MAX_METRIC_LABEL_VALUES", default: 500, range: 1...100_000)
            ),
            logFormat: try env.choice("LOG_FORMAT", default: .text),
            logWriter: try logWriter(env, port: port),
            shutdown: ShutdownSettings(
                drain: .seconds(try env.integer("ARCHESTRA_SHUTDOWN_DRAIN_SECONDS", default: 5, range: 0...3_600)),
                timeout: .seconds(try env.integer("ARCHESTRA_SHUTDOWN_TIMEOUT_SECONDS", default: 30, range: 1...86_400))
            ),
            retentionDays: try env.optionalInteger("ARCHESTRA_INTERACTION_RETENTION_DAYS", range: 1...36_500),
            changeCheckInterval: .milliseconds(try env.integer("ARCHESTRA_CHANGE_CHECK_INTERVAL_MS", default: 500, range: 50...60_000)),
            databasePoolSize: poolSize,
            databaseConnectTimeout: connectTimeout,
            upstreamConnectionsPerHost: try env.integer("ARCHESTRA_UPSTREAM_CONNECTIONS_PER_HOST", default: 256, range: 1...100_000),
            limitSyncInterval: .milliseconds(try env.integer("ARCHESTRA_LIMIT_SYNC_INTERVAL_MS", default: 1_000, range: 50...60_000)),
            webUI: env.value("ARCHESTRA_WEB_UI") == nil ? true : try env.flag("ARCHESTRA_WEB_UI"),
            eventLoopExecutor: try env.flag("ARCHESTRA_EVENT_LOOP_EXECUTOR")
        )
        if !isLoopback(host), adminToken == nil, try !env.flag("ARCHESTRA_ALLOW_OPEN_ADMIN") {
            throw ConfigError(
                "ARCHESTRA_HOST is \(host), reachable from other machines, and ARCHESTRA_ADMIN_TOKEN is not set: the admin API would be open to them. Set ARCHESTRA_ADMIN_TOKEN, or ARCHESTRA_ALLOW_OPEN_ADMIN=true if that is intended"
            )
        }
        return config
    }

    /// True for addresses only this machine can reach.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    private static func baseURL(_ text: String, name: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else { throw ConfigError("\(name) is not an http(s) URL: '\(text)'") }
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    static func logWriter(_ env: EnvironmentReader, port: Int) throws -> LogWriterSettings {
        let spill = env.value("ARCHESTRA_LOG_SPILL_DIR")
        // One per port, so the next start on the same port finds what the last one left; an ephemeral port (tests)
        // gets one per process.
        let owner = port == 0 ? "pid\(ProcessInfo.processInfo.processIdentifier)" : "\(port)"
        let defaultSpill = (NSTemporaryDirectory() as NSString).appendingPathComponent("archestra-spill-\(owner)")
        return LogWriterSettings(
            // At most 2,000: one PostgreSQL statement takes at most 65,535 parameters, and a row needs 17.
            batchSize: try env.integer("ARCHESTRA_LOG_BATCH_SIZE", default: 500, range: 1...2_000),
            flushInterval: .milliseconds(try env.integer("ARCHESTRA_LOG_FLUSH_INTERVAL_MS", default: 50, range: 1...60_000)),
            // Small on purpose: what waits in memory is what a crash loses; beyond it records wait in the spill file,
            // which a killed process leaves behind for the next start.
            bufferRecords: try env.integer("ARCHESTRA_LOG_BUFFER_RECORDS", default: 1_000, range: 1...100_000_000),
            bufferBytes: try env.integer("ARCHESTRA_LOG_BUFFER_BYTES", default: 268_435_456, range: 1_048_576...1 << 40),
            spillDirectory: spill?.lowercased() == "off" ? nil : spill ?? defaultSpill,
            spillBytes: try env.integer("ARCHESTRA_LOG_SPILL_BYTES", default: 1_073_741_824, range: 1_048_576...1 << 50),
            overflow: try env.choice("ARCHESTRA_ON_LOG_OVERFLOW", default: .reject),
            durability: try env.choice("ARCHESTRA_LOG_DURABILITY", default: .batch),
            syncTimeout: .milliseconds(try env.integer("ARCHESTRA_LOG_SYNC_TIMEOUT_MS", default: 5_000, range: 10...600_000))
        )
    }

    static func database(_ url: String?, poolSize: Int = 20, connectTimeout: Duration = .seconds(5)) throws -> Database {
        guard let url else { return .sqliteFile("./archestra.sqlite") }
        if url == "sqlite::memory:" || url == "sqlite://:memory:" { return .sqliteMemory }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ConfigError("DATABASE_URL sqlite:// needs a file path") }
            return .sqliteFile(path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                return .postgres(try PostgresStoreConfiguration(url: url, maximumConnections: poolSize, connectTimeout: connectTimeout))
            } catch {
                throw ConfigError("\(error)")
            }
        }
        throw ConfigError("DATABASE_URL must start with postgres://, postgresql:// or sqlite://")
    }
}

/// Reads variables with one clear error per bad value, naming the variable.
struct EnvironmentReader {
    /// `; allowed: a, b, c` for enumerations that can list their values.
    static func allowed<T>(_ type: T.Type) -> String {
        guard let cases = type as? any CaseIterable.Type else { return "" }
        let values = cases.allCases as any Collection
        let names = values.compactMap { ($0 as? any RawRepresentable)?.rawValue as? String }
        return names.isEmpty ? "" : "; allowed: " + names.joined(separator: ", ")
    }

    let environment: [String: String]

    init(_ environment: [String: String]) { self.environment = environment }

    /// The trimmed value; nil when unset or blank.
    func value(_ name: String) -> String? {
        guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = value(name) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigError("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    func optionalInteger(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard value(name) != nil else { return nil }
        return try integer(name, default: range.lowerBound, range: range)
    }

    /// `true` or `false` (unset is false).
    func flag(_ name: String) throws -> Bool {
        guard let text = value(name) else { return false }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw ConfigError("\(name) must be true or false, got '\(text)'")
        }
    }

    func choice<T: RawRepresentable>(_ name: String, default fallback: T) throws -> T where T.RawValue == String {
        guard let text = value(name) else { return fallback }
        guard let choice = T(rawValue: text.lowercased()) else {
            throw ConfigError("\(name) has an unknown value '\(text)'\(Self.allowed(T.self))")
        }
        return choice
    }
}
