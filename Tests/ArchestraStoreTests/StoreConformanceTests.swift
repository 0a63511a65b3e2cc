import ArchestraCore
import ArchestraStore
import Foundation
import Testing

/// One suite for the `Store` protocol, run against every engine.
///
/// The PostgreSQL cases share one database (`ARCHESTRA_TEST_POSTGRES_URL`) and empty it before each test, hence
/// `.serialized`. Agents, tools and interactions are spread over `StoreConformanceTests+*.swift`.
@Suite("Store conformance", .serialized)
struct StoreConformanceTests {
    @Test("Migrating again keeps the data and the schema usable", arguments: StoreEngine.allCases)
    func migrateTwiceIsHarmless(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let before = makeAgent("Before the second migration", at: at(0))
            try await store.insertAgent(before)
            try await store.migrate()
            try await store.migrate()
            #expect(try await store.listAgents().map(\.normalized) == [before.normalized])
            let after = makeAgent("After it", at: at(1))
            try await store.insertAgent(after)
            #expect(try await store.listAgents().map(\.normalized) == [before.normalized, after.normalized])
        }
    }

    @Test("Agents: create, list oldest first, get, update, delete", arguments: StoreEngine.allCases)
    func agentsCRUD(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let middle = makeAgent("Middle", at: at(1_000))
            let newest = makeAgent("Newest", at: at(2_000), isDemo: true)
            let oldest = makeAgent("Oldest", at: at(0))
            for agent in [middle, newest, oldest] { try await store.insertAgent(agent) }

            #expect(try await store.listAgents().map(\.normalized) == [oldest, middle, newest].map(\.normalized))
            #expect(try await store.agent(id: newest.id)?.normalized == newest.normalized)
            #expect(try await store.agent(id: UUID()) == nil)

            var renamed = middle
            renamed.name = "Middle, renamed"
            renamed.isDemo = true
            renamed.updatedAt = at(5_000)
            renamed.createdAt = at(9_999)  // not an updatable field: must be ignored
            #expect(try await store.updateAgent(renamed))
            var expected = renamed
            expected.createdAt = middle.createdAt
            #expect(try await store.agent(id: middle.id)?.normalized == expected.normalized)

            let ghost = makeAgent("Ghost", at: at(3_000))
            #expect(try await store.updateAgent(ghost) == false)
            #expect(try await store.agent(id: ghost.id) == nil)

            #expect(try await store.deleteAgent(id: oldest.id))
            #expect(try await store.agent(id: oldest.id) == nil)
            #expect(try await store.deleteAgent(id: oldest.id) == false)
            #expect(try await store.deleteAgent(id: UUID()) == false)
            #expect(try await store.listAgents().map(\.id) == [middle.id, newest.id])
        }
    }

    /// Names an attacker or a careless client might send; all must come back byte for byte.
    static let awkwardNames = [
        "Ünïcödé 🤖 агент 智能体 عميل",
        "caf\u{E9}",  // precomposed é …
        "cafe\u{301}",  // … and decomposed: equal as Swift strings, different bytes, so different names
        "Robert'); DROP TABLE agents;--",
        #"He said "hi" and 'bye' with a \backslash\ and `ticks`"#,
        "100% _like_ %wildcards%",
        "$1 ? :name @p {{template}}",
        "line\nbreak\ttab\r\nwindows",
        "  padded  ",
        "👩🏽‍💻🏳️‍🌈 zero\u{200B}width",
        String(repeating: "long-", count: 2_000),
    ]

    @Test("Names with Unicode, quotes and SQL-looking text round-trip verbatim", arguments: StoreEngine.allCases)
    func awkwardNamesRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            var agents: [Agent] = []
            for (offset, name) in Self.awkwardNames.enumerated() {
                let agent = makeAgent(name, at: at(Int64(offset)))
                try await store.insertAgent(agent)
                agents.append(agent)
            }
            for agent in agents {
                let stored = try #require(try await store.agent(id: agent.id))
                #expect(Array(stored.name.utf8) == Array(agent.name.utf8), "\(agent.name.debugDescription)")
                let found = try await store.findOrCreateAgent(named: agent.name, candidate: makeAgent(agent.name, at: at(99_000)))
                #expect(found.id == agent.id, "findOrCreateAgent must match \(agent.name.debugDescription) byte for byte")
            }
            #expect(try await store.listAgents().map { Array($0.name.utf8) } == agents.map { Array($0.name.utf8) })

            let owner = agents[0]
            let tools = Self.awkwardNames.enumerated().map { offset, name in
                makeTool(
                    agent: owner, name: name, at: at(Int64(offset)), parameters: ["description": .string(name)],
                    description: name
                )
            }
            try await store.insertToolsIfAbsent(tools)
            for tool in tools {
                let stored = try #require(try await store.tool(id: tool.id))
                #expect(Array(stored.name.utf8) == Array(tool.name.utf8))
                #expect(stored.description.map { Array($0.utf8) } == tool.description.map { Array($0.utf8) })
                #expect(stored.parameters["description"]?.stringValue.map { Array($0.utf8) } == Array(tool.name.utf8))
            }
        }
    }

    @Test("findOrCreateAgent returns the oldest agent with exactly that name", arguments: StoreEngine.allCases)
    func findOrCreateReturnsOldest(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let newer = makeAgent("Twin", at: at(5_000))
            let older = makeAgent("Twin", at: at(1_000))
            let similar = makeAgent("twin", at: at(0))
            for agent in [newer, older, similar] { try await store.insertAgent(agent) }

            let candidate = makeAgent("Twin", at: at(9_000))
            #expect(try await store.findOrCreateAgent(named: "Twin", candidate: candidate).normalized == older.normalized)
            #expect(try await store.agent(id: candidate.id) == nil, "the candidate must not be stored when a match exists")

            let fresh = makeAgent("Fresh", at: at(10_000), isDemo: true)
            #expect(try await store.findOrCreateAgent(named: "Fresh", candidate: fresh).normalized == fresh.normalized)
            #expect(try await store.agent(id: fresh.id)?.normalized == fresh.normalized)
            let again = try await store.findOrCreateAgent(named: "Fresh", candidate: makeAgent("Fresh", at: at(11_000)))
            #expect(again.id == fresh.id)
            #expect(try await store.listAgents().count == 4)
        }
    }

    @Test("findOrCreateAgent called 20 times at once for a new name creates one agent", arguments: StoreEngine.allCases)
    func findOrCreateConcurrently(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let candidates = (0..<20).map { makeAgent("Newcomer", at: at(Int64($0))) }
            let results = try await withThrowingTaskGroup(of: Agent.self) { group in
                for candidate in candidates {
                    group.addTask { try await store.findOrCreateAgent(named: "Newcomer", candidate: candidate) }
                }
                return try await group.reduce(into: [Agent]()) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(Set(results.map(\.id)).count == 1, "every caller must get the same agent")
            let stored = try await store.listAgents().filter { $0.name == "Newcomer" }
            #expect(stored.count == 1)
            #expect(stored.first?.id == results.first?.id)
            #expect(candidates.contains { $0.id == stored.first?.id })
        }
    }

    /// Whole-millisecond instants and how the API prints them: before 1970, leap days, and values whose binary
    /// floating-point form lies just below the millisecond.
    static let instants: [(millis: Int64, text: String)] = [
        (1_760_516_200_123, "2025-10-15T08:16:40.123Z"),
        (1_760_530_000_001, "2025-10-15T12:06:40.001Z"),
        (1_760_530_000_002, "2025-10-15T12:06:40.002Z"),
        (1_760_530_000_008, "2025-10-15T12:06:40.008Z"),
        (2_190_812_214_661, "2039-06-04T14:56:54.661Z"),
        (68_466_600_239, "1972-03-03T10:30:00.239Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-1_080_234_581_785, "1935-10-09T06:50:18.215Z"),
        (-2_151_143_396_024, "1901-11-01T12:10:03.976Z"),
    ]

    @Test("Timestamps round-trip at millisecond precision", arguments: StoreEngine.allCases)
    func timestampsRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let owner = makeAgent("Clockmaker", at: at(0))
            try await store.insertAgent(owner)
            for (millis, text) in Self.instants {
                var agent = makeAgent("At \(text)", at: instant(millis))
                agent.updatedAt = instant(millis + 1)
                try await store.insertAgent(agent)
                let interaction = makeInteraction(agentId: owner.id, at: instant(millis))
                try await store.insertInteractions([interaction])

                let storedAgent = try #require(try await store.agent(id: agent.id))
                #expect(Timestamp.format(storedAgent.createdAt) == text)
                #expect(storedAgent.createdAt.wholeMillis == millis)
                #expect(storedAgent.updatedAt.wholeMillis == millis + 1)
                let storedInteraction = try #require(try await store.interaction(id: interaction.id))
                #expect(Timestamp.format(storedInteraction.createdAt) == text)
            }
        }
    }
}
