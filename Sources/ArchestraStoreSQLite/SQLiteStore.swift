import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import NIOPosix
import SQLiteNIO
import Synchronization

/// The embedded store: one SQLite file (or memory), one connection, operations serialised in arrival order.
///
/// SQLite's calls block their thread, so the connection gets a thread of its own rather than NIO's shared blocking
/// pool: there, a few large requests being judged (or a file lock waited on) would hold back every database
/// operation of the gateway, the log writer's included. One thread is enough: the connection runs one operation at
/// a time anyway.
public final class SQLiteStore: Store {
    /// Where the database lives.
    public enum Location: Sendable, Equatable {
        case memory
        case file(String)
    }

    let connection: SQLiteConnection
    let lock = AsyncSerialLock()
    private let closed = Mutex(false)
    private let thread: NIOThreadPool

    private init(connection: SQLiteConnection, thread: NIOThreadPool) {
        self.connection = connection
        self.thread = thread
    }

    /// Opens (creating if needed) the database and turns on foreign keys and WAL.
    public static func open(_ location: Location, logger: Logger) async throws -> SQLiteStore {
        let storage: SQLiteConnection.Storage
        switch location {
        case .memory: storage = .memory
        case .file(let path): storage = .file(path: path)
        }
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        do {
            let connection = try await SQLiteConnection.open(
                storage: storage, threadPool: thread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()
            )
            let store = SQLiteStore(connection: connection, thread: thread)
            _ = try await connection.query("PRAGMA foreign_keys = ON")
            if case .file = location {
                _ = try await connection.query("PRAGMA journal_mode = WAL")
                _ = try await connection.query("PRAGMA synchronous = NORMAL")
                _ = try await connection.query("PRAGMA busy_timeout = 5000")
            }
            return store
        } catch {
            try? await thread.shutdownGracefully()
            throw StoreError.unavailable("cannot open SQLite database: \(error)")
        }
    }

    /// Runs one statement under the connection lock.
    @discardableResult
    func run(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await Self.mappingErrors { try await lock.withLock { try await self.connection.query(sql, binds) } }
    }

    /// Constraint and value errors are `rejected` (retrying cannot help); the rest `unavailable`.
    static func mappingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SQLiteError {
            switch error.reason {
            // SQLiteNIO reports constraint failures by their extended code (foreign key, unique, …), not as `.constraint`.
            case .constraint, .constraintCheckFailed, .constraintCommitHookFailed, .constraintForeignKeyFailed,
                .constraintUserFunctionFailed, .constraintNotNullFailed, .constraintPrimaryKeyFailed, .constraintTriggerFailed,
                .constraintUniqueFailed, .constraintVirtualTableFailed, .constraintUniqueRowIDFailed,
                .constraintUpdateTriggerDeletedRow, .constraintStrictDataTypeFailed, .mismatch, .tooBig, .range:
                throw StoreError.rejected(error.message)
            default: throw StoreError.unavailable(error.message)
            }
        }
    }

    /// Runs several statements as one transaction under the connection lock.
    func transaction<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await Self.mappingErrors { try await lock.withLock {
            _ = try await self.connection.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(self.connection)
                _ = try await self.connection.query("COMMIT")
                return result
            } catch {
                _ = try? await self.connection.query("ROLLBACK")
                throw error
            }
        } }
    }

    public func migrate() async throws {
        try await transaction { connection in
            _ = try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            let applied = try await connection.query("SELECT version FROM schema_migrations")
                .compactMap { $0.column("version")?.integer }
            for (index, statements) in SQLiteSchema.migrations.enumerated() where !applied.contains(index + 1) {
                for statement in statements { _ = try await connection.query(statement) }
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.integer(index + 1), .text(Timestamp.format(Date()))]
                )
            }
        }
    }

    /// Closes the connection once; safe to call again. Runs outside the caller's task so that a cancelled caller
    /// (a service group tearing down after a failed start) still closes it.
    public func shutdown() async throws {
        guard closed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        // Under the lock, so a write still in progress finishes before the connection goes away.
        try await Task.detached { [lock, connection, thread] in
            try await lock.withLock { try await connection.close() }
            try await thread.shutdownGracefully()
        }.value
    }
}
