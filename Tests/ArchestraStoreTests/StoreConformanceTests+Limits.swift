import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension StoreConformanceTests {
    static func limit(_ kind: LimitKind, _ value: Double, agent: UUID?, at time: Date, id: UUID = UUID()) -> UsageLimit {
        UsageLimit(id: id, agentId: agent, kind: kind, value: value, createdAt: time, updatedAt: time)
    }

    @Test("Limits: saved, listed global first, found by id, overwritten by id, one per kind and scope, gone with their agent",
          arguments: StoreEngine.allCases)
    func usageLimits(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Budgeted", at: at(0))
            let other = makeAgent("Other", at: at(0))
            try await store.insertAgent(agent)
            try await store.insertAgent(other)
            let global = Self.limit(.costUsdPerMonth, 250.5, agent: nil, at: at(1))
            let rpm = Self.limit(.requestsPerMinute, 60, agent: agent.id, at: at(2))
            let tokens = Self.limit(.tokensPerDay, 1_000_000, agent: other.id, at: at(3))
            for limit in [rpm, tokens, global] { try await store.saveLimit(limit) }

            let listed = try await store.listLimits()
            #expect(listed.first?.id == global.id)
            #expect(Set(listed.map(\.id)) == [global.id, rpm.id, tokens.id])
            #expect(try await store.listLimits(agentId: agent.id).map(\.id) == [rpm.id])
            let stored = try #require(try await store.usageLimit(id: global.id))
            #expect(stored.agentId == nil && stored.kind == .costUsdPerMonth && stored.value == 250.5)
            #expect(stored.createdAt.wholeMillis == global.createdAt.wholeMillis)
            #expect(try await store.usageLimit(id: UUID()) == nil)

            var changed = rpm
            changed.value = 120
            changed.updatedAt = at(9)
            changed.createdAt = at(8)  // not updatable
            try await store.saveLimit(changed)
            let reread = try #require(try await store.usageLimit(id: rpm.id))
            #expect(reread.value == 120 && reread.createdAt.wholeMillis == rpm.createdAt.wholeMillis)
            #expect(reread.updatedAt.wholeMillis == at(9).wholeMillis)

            // One limit per kind and scope, the global scope included; no limit for an agent that does not exist.
            await #expect(throws: StoreError.self) { try await store.saveLimit(Self.limit(.requestsPerMinute, 5, agent: agent.id, at: at(4))) }
            await #expect(throws: StoreError.self) { try await store.saveLimit(Self.limit(.costUsdPerMonth, 5, agent: nil, at: at(4))) }
            await #expect(throws: StoreError.self) { try await store.saveLimit(Self.limit(.tokensPerDay, 5, agent: UUID(), at: at(4))) }
            #expect(try await store.listLimits().count == 3)

            #expect(try await store.deleteAgent(id: other.id))
            #expect(try await store.usageLimit(id: tokens.id) == nil)
            #expect(try await store.deleteLimit(id: global.id))
            #expect(try await store.deleteLimit(id: global.id) == false)
            #expect(try await store.listLimits().map(\.id) == [reread.id])
        }
    }

    @Test("Limit counters: amounts add up across calls, only the current windows are read, finished ones are deleted",
          arguments: StoreEngine.allCases)
    func limitCounters(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = UUID()
            let now: Int64 = 1_796_000_000  // 2026-11-30T00:53:20Z
            func key(_ scope: LimitScope, _ kind: LimitKind, at second: Int64 = now) -> LimitCounterKey {
                LimitCounterKey(scope: scope, kind: kind, windowStart: kind.window(at: second).start)
            }
            try await store.addToLimitCounters([
                key(.agent(agent), .requestsPerMinute): 3, key(.global, .requestsPerMinute): 3,
                key(.agent(agent), .costUsdPerMonth): 1_500_000_000, key(.global, .tokensPerDay): 700,
                key(.global, .requestsPerMinute, at: now - 120): 40,  // a minute that is over
            ])
            // A second instance adds to the same counters.
            try await store.addToLimitCounters([key(.agent(agent), .requestsPerMinute): 2, key(.global, .tokensPerDay): 300])

            let current = try await store.currentLimitCounters(at: now)
            #expect(current == [
                key(.agent(agent), .requestsPerMinute): 5, key(.global, .requestsPerMinute): 3,
                key(.agent(agent), .costUsdPerMonth): 1_500_000_000, key(.global, .tokensPerDay): 1_000,
            ])
            // A minute later the request counters are of a finished window; the day and month go on.
            let later = try await store.currentLimitCounters(at: now + 60)
            #expect(later == [key(.agent(agent), .costUsdPerMonth): 1_500_000_000, key(.global, .tokensPerDay): 1_000])

            try await store.deleteFinishedLimitCounters(before: now + 60)
            try await store.addToLimitCounters([key(.global, .requestsPerMinute, at: now + 60): 1])
            #expect(try await store.currentLimitCounters(at: now + 60).count == 3)
            #expect(try await store.currentLimitCounters(at: now) == [
                key(.agent(agent), .costUsdPerMonth): 1_500_000_000, key(.global, .tokensPerDay): 1_000,
            ])
        }
    }
}
