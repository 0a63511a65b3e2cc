import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The production store: a pooled PostgreSQL client. Run it as a service (it owns the pool's connections).
public final class PostgresStore: Store, Service {
    let client: PostgresClient
    let logger: Logger

    public init(configuration: PostgresStoreConfiguration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        self.logger = logger
    }

    public func run() async throws {
        await client.run()
    }

    /// Runs a query, turning driver errors into `StoreError.unavailable` without leaking connection details.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            return try await client.query(query, logger: logger).collect()
        } catch let error as PSQLError {
            throw Self.storeError(error)
        } catch let error as CancellationError {
            throw error
        } catch {
            // The connection pool's own errors (no connection could be made, circuit breaker open).
            throw StoreError.unavailable("\(error)")
        }
    }

    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PSQLError {
            throw Self.storeError(error)
        } catch let error as PostgresTransactionError {
            if let closure = error.closureError as? PSQLError { throw Self.storeError(closure) }
            if let closure = error.closureError as? StoreError { throw closure }
            throw StoreError.unavailable("\(error)")
        } catch let error as StoreError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw StoreError.unavailable("\(error)")
        }
    }

    /// Data errors (SQLSTATE classes 22 and 23: bad values, constraint violations) are `rejected`; everything else
    /// (connection, resources, server state) is `unavailable` and worth retrying.
    static func storeError(_ error: PSQLError) -> StoreError {
        // Class 21 (cardinality violation) too: retrying the same rows cannot help either.
        if let state = error.serverInfo?[.sqlState], state.hasPrefix("21") || state.hasPrefix("22") || state.hasPrefix("23") {
            return .rejected(describe(error))
        }
        return .unavailable(describe(error))
    }

    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] { return message }
        return "\(error.code)"
    }

    public func migrate() async throws {
        // Instances starting together would otherwise queue behind the lock below only to find nothing to do.
        if await isMigrated() { return }
        try await transaction { connection in
            // One instance migrates at a time; the others wait and then find nothing to do.
            // No digit separators in SQL numbers: PostgreSQL before 16 rejects them.
            try await connection.query("SELECT pg_advisory_xact_lock(727100)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger
            )
            var applied: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for (index, statements) in PostgresSchema.migrations.enumerated() where !applied.contains(index + 1) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(index + 1))", logger: logger)
            }
        }
    }

    /// Whether every migration is applied already: one read, no lock. Any failure (no table yet, for one) leaves the
    /// answer to the locked path.
    private func isMigrated() async -> Bool {
        let count = PostgresSchema.migrations.count
        guard let rows = try? await query("SELECT count(*) FROM schema_migrations WHERE version BETWEEN 1 AND \(count)"),
              let applied = try? rows.first?.decode(Int.self)
        else { return false }
        return applied == count
    }

    public func shutdown() async throws {}
}
