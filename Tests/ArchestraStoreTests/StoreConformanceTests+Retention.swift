import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension StoreConformanceTests {
    @Test("Retention deletes only interactions created before the cutoff, in batches, until none are left", arguments: StoreEngine.allCases)
    func retention(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let now = Date()
            let day: TimeInterval = 86_400
            // The start of the UTC day two days ago, as the retention service computes it.
            let cutoff = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / day).rounded(.down) - 2) * day)
            try await store.prepareInteractionStorage(now: now)
            let agent = makeAgent("Old and new", at: now.addingTimeInterval(-30 * day))
            try await store.insertAgent(agent)
            let old = [30, 10, 3, 2.0001].flatMap { daysAgo in
                (0..<3).map { _ in makeInteraction(agentId: agent.id, at: cutoff.addingTimeInterval(-(daysAgo - 2) * day - 1)) }
            }
            let kept = [cutoff, cutoff.addingTimeInterval(1), now.addingTimeInterval(-day), now].map {
                makeInteraction(agentId: agent.id, at: $0)
            }
            try await store.insertInteractions(old + kept)

            var rounds = 0
            var deleted = 0
            while rounds < 20 {
                let count = try await store.deleteInteractions(before: cutoff, limit: 2)
                if count == 0 { break }
                deleted += count
                rounds += 1
            }
            #expect(rounds > 1, "deleted in more than one batch")
            #expect(deleted >= old.count)
            #expect(try await store.deleteInteractions(before: cutoff, limit: 2) == 0)
            let remaining = try await store.listInteractions(InteractionQuery(limit: 100))
            #expect(Set(remaining.rows.map(\.id)) == Set(kept.map(\.id)))
            for row in old { #expect(try await store.interaction(id: row.id) == nil) }
        }
    }

    @Test("Preparing storage for the coming days can run again and again, and rows of those days are stored", arguments: StoreEngine.allCases)
    func prepareStorage(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let now = Date()
            for _ in 0..<3 { try await store.prepareInteractionStorage(now: now) }
            let agent = makeAgent("Ahead", at: now)
            try await store.insertAgent(agent)
            let rows = (0..<4).map { makeInteraction(agentId: agent.id, at: now.addingTimeInterval(Double($0) * 86_400)) }
            try await store.insertInteractions(rows)
            #expect(try await store.listInteractions(InteractionQuery(limit: 10)).total == 4)
        }
    }
}

extension StoreConformanceTests {
    @Test("PostgreSQL: days wholly before the cutoff go as whole partitions; the cutoff's own day stays")
    func retentionDropsPartitions() async throws {
        try await withStore(.postgres) { store in
            let day: TimeInterval = 86_400
            let today = (Date().timeIntervalSince1970 / day).rounded(.down) * day
            let cutoff = Date(timeIntervalSince1970: today - 2 * day)
            // Partitions for five days ago up to two days ago.
            try await store.prepareInteractionStorage(now: Date(timeIntervalSince1970: today - 5 * day))
            let agent = makeAgent("Partitioned", at: Date(timeIntervalSince1970: today - 10 * day))
            try await store.insertAgent(agent)
            let rows = (2...5).map { makeInteraction(agentId: agent.id, at: Date(timeIntervalSince1970: today - Double($0) * day + 60)) }
            try await store.insertInteractions(rows)
            func partitions() async throws -> Set<String> {
                let result = try await store.execute(SQLStatement(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'interactions'"
                ))
                return Set(try result.map { try $0.text("relname") })
            }
            func name(_ daysAgo: Double) -> String {
                let formatter = DateFormatter()
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyyMMdd"
                return "interactions_p" + formatter.string(from: Date(timeIntervalSince1970: today - daysAgo * day))
            }
            #expect(try await partitions().isSuperset(of: [name(5), name(4), name(3), name(2)]))
            while try await store.deleteInteractions(before: cutoff, limit: 1_000) > 0 {}
            let left = try await partitions()
            #expect(left.isDisjoint(with: [name(5), name(4), name(3)]))
            #expect(left.contains(name(2)))
            #expect(try await store.listInteractions(InteractionQuery(limit: 10)).rows.map(\.id) == [rows[0].id])
        }
    }
}
