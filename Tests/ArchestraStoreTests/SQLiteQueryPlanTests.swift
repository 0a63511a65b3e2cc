import ArchestraCore
import ArchestraStore
import Testing

@testable import ArchestraStoreSQLite

/// The interactions list must walk an index, not sort the table: with a million rows a full sort took 2.4 s.
@Suite("SQLite query plans")
struct SQLiteQueryPlanTests {
    @Test("The newest-first interactions page walks the (created_at, id) index", arguments: ["DESC", "ASC"])
    func listWalksTheIndex(direction: String) async throws {
        let store = try await SQLiteStore.open(.memory, logger: quietLogger)
        try await store.migrate()
        let sql = "SELECT \(SQLiteStore.interactionColumns) FROM interactions ORDER BY \(SQLiteStore.order("created_at", direction)) LIMIT 50 OFFSET 0"
        let plan = try await store.execute(SQLStatement("EXPLAIN QUERY PLAN " + sql)).map { $0.optionalText("detail") ?? "" }
        #expect(plan.contains { $0.contains("USING INDEX interactions_created_id") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        try await store.shutdown()
    }
}
