import ArchestraCore
import ArchestraStore
import ArchestraStoreSQLite
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import ArchestraStorePostgres

/// The database engines the conformance suite runs against.
enum StoreEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Whether the engine keeps JSON text byte for byte (SQLite TEXT) rather than normalising it (PostgreSQL jsonb).
    var keepsJSONTextVerbatim: Bool { self == .sqlite }
}

/// Environment switches of the PostgreSQL cases.
enum PostgresTestEnvironment {
    static let urlVariable = "ARCHESTRA_TEST_POSTGRES_URL"
    static let requireVariable = "ARCHESTRA_REQUIRE_POSTGRES"

    static var url: String? {
        guard let value = ProcessInfo.processInfo.environment[urlVariable], !value.isEmpty else { return nil }
        return value
    }

    static var isRequired: Bool { ProcessInfo.processInfo.environment[requireVariable] == "1" }
}

/// A logger that prints nothing: the writer logs expected failures, the pool its connections.
let quietLogger = Logger(label: "archestra.store-tests") { _ in SwiftLogNoOpLogHandler() }

/// Runs `body` with a freshly migrated, empty store of `engine`, and releases it afterwards.
///
/// PostgreSQL cases are cancelled (reported as skipped, with the reason) when `ARCHESTRA_TEST_POSTGRES_URL` is unset,
/// and fail instead when `ARCHESTRA_REQUIRE_POSTGRES=1`.
func withStore(
    _ engine: StoreEngine, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (any Store) async throws -> Void
) async throws {
    switch engine {
    case .sqlite:
        let store = try await SQLiteStore.open(.memory, logger: quietLogger)
        do {
            try await store.migrate()
            try await body(store)
        } catch {
            try? await store.shutdown()
            throw error
        }
        try await store.shutdown()
    case .postgres:
        guard let url = PostgresTestEnvironment.url else {
            let reason = "PostgreSQL case skipped: \(PostgresTestEnvironment.urlVariable) is not set"
            if PostgresTestEnvironment.isRequired {
                Issue.record("\(reason), but \(PostgresTestEnvironment.requireVariable)=1 requires it", sourceLocation: sourceLocation)
                return
            }
            // A warning keeps the skip visible in the run's summary; cancelling marks the case as not run.
            Issue.record(Comment(rawValue: reason), severity: .warning, sourceLocation: sourceLocation)
            try Test.cancel(Comment(rawValue: reason), sourceLocation: sourceLocation)
        }
        let store = PostgresStore(configuration: try PostgresStoreConfiguration(url: url, maximumConnections: 24), logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The pool only serves queries while its service runs.
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            try await truncateAllTables(store)
            try await body(store)
            try await store.shutdown()
        }
    }
}

/// Empties every table of the schema, so each PostgreSQL case starts from a clean database.
private func truncateAllTables(_ store: PostgresStore) async throws {
    let tables = Schema.tables.map { "\"\($0)\"" }.joined(separator: ", ")
    try await store.query(PostgresQuery(unsafeSQL: "TRUNCATE \(tables) CASCADE"))
}
