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
        let config = AppConfig(
            host: host,
            port: port,
            database: try database(overrides.databaseURL ?? env.value("DATABASE_URL")),
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
            logFormat: try env.choice("LOG_FORMAT", default: .text)
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

    static func database(_ url: String?) throws -> Database {
        guard let url else { return .sqliteFile("./archestra.sqlite") }
        if url == "sqlite::memory:" || url == "sqlite://:memory:" { return .sqliteMemory }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ConfigError("DATABASE_URL sqlite:// needs a file path") }
            return .sqliteFile(path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                return .postgres(try PostgresStoreConfiguration(url: url))
            } catch {
                throw ConfigError("\(error)")
            }
        }
        throw ConfigError("DATABASE_URL must start with postgres://, postgresql:// or sqlite://")
    }
}

/// Reads variables with one clear error per bad value, naming the variable.
struct EnvironmentReader {
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
        guard let choice = T(rawValue: text.lowercased()) else { throw ConfigError("\(name) has an unknown value '\(text)'") }
        return choice
    }
}
