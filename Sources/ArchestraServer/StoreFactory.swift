import ArchestraStore
import ArchestraStorePostgres
import ArchestraStoreSQLite
import Logging
import ServiceLifecycle

/// Opens the configured store and says which services keep it alive.
enum StoreFactory {
    struct Opened {
        let store: any Store
        /// Services to start before (and stop after) everything else.
        let services: [any Service]
    }

    static func open(_ database: AppConfig.Database, logger: Logger) async throws -> Opened {
        switch database {
        case .sqliteFile(let path):
            let store = try await SQLiteStore.open(.file(path), logger: logger)
            return Opened(store: store, services: [StoreCloser(store: store)])
        case .sqliteMemory:
            let store = try await SQLiteStore.open(.memory, logger: logger)
            return Opened(store: store, services: [StoreCloser(store: store)])
        case .postgres(let configuration):
            let store = PostgresStore(configuration: configuration, logger: logger)
            return Opened(store: store, services: [store])
        }
    }

    /// Migrates, failing with a clear message instead of waiting forever on a database that never answers.
    static func migrate(_ store: any Store, timeout: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.migrate() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw StoreError.unavailable("no answer from the database within \(timeout.components.seconds) s")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}

/// Closes a store after every service started after it has stopped.
struct StoreCloser: Service {
    let store: any Store

    func run() async throws {
        try? await gracefulShutdown()
        try await store.shutdown()
    }
}

/// Opens the configured database, applies the migrations and closes it again (`archestra migrate`).
public func migrateDatabase(_ database: AppConfig.Database, logger: Logger) async throws {
    try await withMigratedStore(database, logger: logger) { _ in }
}

/// Opens the configured store outside the server (commands, tools), migrates it, runs `body`, and closes it.
/// `migrationTimeout` bounds the wait for a database that does not answer.
public func withMigratedStore<T: Sendable>(
    _ database: AppConfig.Database, logger: Logger, migrationTimeout: Duration = .seconds(20),
    _ body: @Sendable (any Store) async throws -> T
) async throws -> T {
    let opened = try await StoreFactory.open(database, logger: logger)
    let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
        for service in opened.services where service is PostgresStore {
            group.addTask { try? await service.run() }
        }
        defer { group.cancelAll() }
        do {
            try await StoreFactory.migrate(opened.store, timeout: migrationTimeout)
            return .success(try await body(opened.store))
        } catch {
            return .failure(error)
        }
    }
    try await opened.store.shutdown()
    return try result.get()
}
