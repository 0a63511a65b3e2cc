import Foundation
import NIOSSL
import PostgresNIO

/// Connection settings read from a `postgres://user:password@host:port/database?sslmode=…` URL.
public struct PostgresStoreConfiguration: Sendable {
    /// Why a database URL was refused.
    public struct InvalidURL: Error, CustomStringConvertible {
        public let description: String
    }

    public let client: PostgresClient.Configuration
    /// The URL without its password, safe to print.
    public let redactedURL: String

    /// Parses a URL; the password is never part of any message.
    public init(url text: String, maximumConnections: Int = 20, connectTimeout: Duration = .seconds(5)) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else { throw InvalidURL(description: "DATABASE_URL is not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw InvalidURL(description: "DATABASE_URL has no host") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        tlsConfiguration.certificateVerification = mode == "verify-full" ? .fullVerification : .none
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(tlsConfiguration)
        case "require", "verify-ca", "verify-full": tls = .require(tlsConfiguration)
        default: throw InvalidURL(description: "DATABASE_URL has an unknown sslmode '\(mode)'")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = connectTimeout
        self.client = configuration
        var redacted = components
        if redacted.password != nil { redacted.password = "***" }
        self.redactedURL = redacted.string ?? "postgres://\(host)"
    }
}
