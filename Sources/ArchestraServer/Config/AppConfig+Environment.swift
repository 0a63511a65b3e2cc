import ArchestraCore
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

    static let defaultBaseURLs: [Provider: String] = [
        .openai: "https://api.openai.com/v1",
        .anthropic: "https://api.anthropic.com/v1",
        .gemini: "https://generativelanguage.googleapis.com/v1beta",
    ]

    static let baseURLVariables: [Provider: String] = [
        .openai: "ARCHESTRA_OPENAI_BASE_URL", .anthropic: "ARCHESTRA_ANTHROPIC_BASE_URL", .gemini: "ARCHESTRA_GEMINI_BASE_URL",
    ]

    static let keyVariables: [Provider: String] = [
        .openai: "OPENAI_API_KEY", .anthropic: "ANTHROPIC_API_KEY", .gemini: "GEMINI_API_KEY",
    ]

    /// Parses and validates the configuration.
    public static func parse(environment: [String: String], overrides: Overrides = .init()) throws -> AppConfig {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        let host = overrides.host ?? value("ARCHESTRA_HOST") ?? "127.0.0.1"
        let port = try overrides.port ?? integer(value("ARCHESTRA_PORT"), name: "ARCHESTRA_PORT", default: 9000, range: 0...65535)
        var baseURLs: [Provider: String] = [:]
        for provider in Provider.allCases {
            let name = baseURLVariables[provider]!
            baseURLs[provider] = try baseURL(value(name) ?? defaultBaseURLs[provider]!, name: name)
        }
        var keys: [Provider: String] = [:]
        for provider in Provider.allCases { keys[provider] = value(keyVariables[provider]!) }
        let timeout = try integer(value("ARCHESTRA_UPSTREAM_TIMEOUT_SECONDS"), name: "ARCHESTRA_UPSTREAM_TIMEOUT_SECONDS", default: 300, range: 1...86_400)
        return AppConfig(
            host: host,
            port: port,
            database: try database(overrides.databaseURL ?? value("DATABASE_URL")),
            upstreamBaseURLs: baseURLs,
            serverKeys: keys,
            mockMode: overrides.mockMode ?? (environment["BENCHMARK_MOCK_MODE"] == "true"),
            adminToken: value("ARCHESTRA_ADMIN_TOKEN"),
            maxBodyBytes: try integer(value("ARCHESTRA_MAX_BODY_BYTES"), name: "ARCHESTRA_MAX_BODY_BYTES", default: 10_485_760, range: 1...1_073_741_824),
            upstreamTimeout: .seconds(timeout)
        )
    }

    private static func integer(_ text: String?, name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigError("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
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
