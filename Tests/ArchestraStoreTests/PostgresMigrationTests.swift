import ArchestraStore
import Foundation
import PostgresNIO
import Testing

@testable import ArchestraStorePostgres

/// Several instances starting at once against one PostgreSQL database. Part of the serialized conformance suite,
/// whose cases share the test database.
extension StoreConformanceTests {
    @Test("PostgreSQL: migrating an up-to-date database takes no lock, so instances starting together do not queue")
    func upToDateMigrationTakesNoLock() async throws {
        try await withStore(.postgres) { store in
            let postgres = try #require(store as? PostgresStore)
            let (held, holding) = AsyncStream.makeStream(of: Void.self)
            let (release, releasing) = AsyncStream.makeStream(of: Void.self)
            // What an instance in the middle of migrating holds, until released.
            let holder = Task {
                try await postgres.client.withTransaction(logger: quietLogger) { connection in
                    try await connection.query("SELECT pg_advisory_xact_lock(727100)", logger: quietLogger)
                    holding.yield()
                    for await _ in release { break }
                }
            }
            for await _ in held { break }
            let migratedWhileHeld = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await store.migrate(); return true }
                group.addTask {
                    // A migration that waits for the lock ends only once it is released: release it after a while
                    // rather than hang.
                    try? await Task.sleep(for: .seconds(20))
                    return false
                }
                let first = try await group.next() ?? false
                releasing.yield()
                group.cancelAll()
                return first
            }
            releasing.finish()
            try await holder.value
            #expect(migratedWhileHeld, "migrate() waited for the migration lock although nothing was left to apply")
        }
    }
}
