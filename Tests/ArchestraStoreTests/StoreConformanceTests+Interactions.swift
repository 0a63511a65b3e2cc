import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension StoreConformanceTests {
    @Test("Deleting an agent cascades to its tools and interactions only", arguments: StoreEngine.allCases)
    func deleteAgentCascades(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let doomed = makeAgent("Doomed", at: at(0))
            let survivor = makeAgent("Survivor", at: at(1))
            for agent in [doomed, survivor] { try await store.insertAgent(agent) }
            let doomedTools = [makeTool(agent: doomed, name: "t1", at: at(2)), makeTool(agent: doomed, name: "t2", at: at(3))]
            let survivorTool = makeTool(agent: survivor, name: "t1", at: at(4))
            try await store.insertToolsIfAbsent(doomedTools + [survivorTool])
            let doomedRows = (0..<3).map { makeInteraction(agentId: doomed.id, at: at(10 + Int64($0))) }
            let survivorRow = makeInteraction(agentId: survivor.id, at: at(20))
            try await store.insertInteractions(doomedRows + [survivorRow])

            #expect(try await store.deleteAgent(id: doomed.id))

            for tool in doomedTools { #expect(try await store.tool(id: tool.id) == nil) }
            for row in doomedRows { #expect(try await store.interaction(id: row.id) == nil) }
            #expect(try await store.listTools(agentId: doomed.id).isEmpty)
            #expect(try await store.listTools(agentId: nil).map(\.tool.id) == [survivorTool.id])
            let remaining = try await store.listInteractions(InteractionQuery(limit: 100))
            #expect(remaining.total == 1)
            #expect(remaining.rows.map(\.id) == [survivorRow.id])
            #expect(try await store.listInteractions(InteractionQuery(agentId: doomed.id)).total == 0)
        }
    }

    @Test("300 interactions in one call; agentId filter and total count", arguments: StoreEngine.allCases)
    func batchInsertAndFilter(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha", at: at(0))
            let beta = makeAgent("Beta", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }
            let rows = (0..<300).map { index in
                makeInteraction(agentId: index % 3 == 0 ? beta.id : alpha.id, at: at(Int64(index) * 7), statusCode: 200 + index)
            }
            try await store.insertInteractions(rows)
            try await store.insertInteractions([])

            let everything = try await store.listInteractions(InteractionQuery(limit: 100))
            #expect(everything.total == 300)
            #expect(everything.rows.count == 100)

            let betaPage = try await store.listInteractions(InteractionQuery(agentId: beta.id, limit: 100))
            #expect(betaPage.total == 100)
            #expect(betaPage.rows.allSatisfy { $0.agentId == beta.id })
            let expectedBeta = expectedOrder(rows.filter { $0.agentId == beta.id }, by: .createdAt, ascending: false)
            #expect(betaPage.rows.map(\.normalized) == expectedBeta.map(\.normalized))

            let alphaPage = try await store.listInteractions(InteractionQuery(agentId: alpha.id, limit: 5))
            #expect(alphaPage.total == 200)
            #expect(alphaPage.rows.count == 5)
            #expect(alphaPage.rows.allSatisfy { $0.agentId == alpha.id })

            let nobody = try await store.listInteractions(InteractionQuery(agentId: UUID()))
            #expect(nobody.total == 0)
            #expect(nobody.rows.isEmpty)
        }
    }

    @Test("limit and offset window the list; the total ignores them", arguments: StoreEngine.allCases)
    func limitAndOffset(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Pager", at: at(0))
            try await store.insertAgent(agent)
            let rows = (0..<25).map { makeInteraction(agentId: agent.id, at: at(Int64($0) * 1_000)) }
            try await store.insertInteractions(rows.shuffled())
            let expected = expectedOrder(rows, by: .createdAt, ascending: false).map(\.id)

            var seen: [UUID] = []
            for (offset, size) in [(0, 10), (10, 10), (20, 5)] {
                let page = try await store.listInteractions(InteractionQuery(limit: 10, offset: offset))
                #expect(page.total == 25)
                #expect(page.rows.count == size)
                seen += page.rows.map(\.id)
            }
            #expect(seen == expected)

            let middle = try await store.listInteractions(InteractionQuery(limit: 3, offset: 7, ascending: true))
            #expect(middle.rows.map(\.id) == Array(expected.reversed()[7..<10]))
            let past = try await store.listInteractions(InteractionQuery(limit: 10, offset: 30))
            #expect(past.rows.isEmpty)
            #expect(past.total == 25)
        }
    }

    @Test(
        "Each sort column in both directions, ties broken by creation time then id",
        arguments: StoreEngine.allCases, InteractionQuery.SortKey.allCases
    )
    func sorting(engine: StoreEngine, sortBy: InteractionQuery.SortKey) async throws {
        try await withStore(engine) { store in
            let agents = (0..<3).map { makeAgent("Agent \($0)", at: at(Int64($0))) }
            for agent in agents { try await store.insertAgent(agent) }
            // Models with distinct first letters sort the same under any collation; several rows share an instant.
            let models = ["gpt-4o", "claude-sonnet", "o3-mini", "gemini-pro"]
            let rows = (0..<24).map { index in
                makeInteraction(agentId: agents[index % 3].id, at: at(Int64(index / 3) * 10), model: models[index % 4])
            }
            try await store.insertInteractions(rows.shuffled())

            for ascending in [true, false] {
                let page = try await store.listInteractions(InteractionQuery(limit: 100, sortBy: sortBy, ascending: ascending))
                let expected = expectedOrder(rows, by: sortBy, ascending: ascending)
                #expect(page.rows.map(\.id) == expected.map(\.id), "sortBy \(sortBy) ascending \(ascending)")
                #expect(page.total == rows.count)
            }
            let defaults = try await store.listInteractions(InteractionQuery(limit: 100))
            #expect(defaults.rows.map(\.id) == expectedOrder(rows, by: .createdAt, ascending: false).map(\.id))
        }
    }

    @Test("An interaction read by id has every field as written", arguments: StoreEngine.allCases)
    func interactionById(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Reader", at: at(0))
            try await store.insertAgent(agent)
            let full = makeInteraction(
                agentId: agent.id, at: at(1), model: "gpt-4o-2024-08-06", statusCode: 502, durationMs: 1234.5625,
                request: #"{"model":"gpt-4o","messages":[{"role":"user","content":"Ünïcödé 🤖 \"quoted\" \\ '); DROP TABLE x;--"}],"stream":true,"zeta":1,"alpha":[1.5,-2,0]}"#,
                response: #"{"error":{"message":"upstream unreachable","type":"upstream_error"}}"#,
                evaluation: #"{"contextIsTrusted":false,"toolResults":[{"toolCallId":"call_1","toolName":null,"verdict":"blocked","reason":"Data blocked by policy: x","dualLlm":false}],"toolCalls":[]}"#
            )
            let noModel = makeInteraction(agentId: agent.id, at: at(2), model: nil, statusCode: 504, durationMs: 0)
            try await store.insertInteractions([full, noModel])

            let stored = try #require(try await store.interaction(id: full.id))
            #expect(stored.normalized == full.normalized)
            if engine.keepsJSONTextVerbatim {
                #expect(stored.requestJSON == full.requestJSON)
                #expect(stored.responseJSON == full.responseJSON)
                #expect(stored.evaluationJSON == full.evaluationJSON)
            }
            let storedNoModel = try #require(try await store.interaction(id: noModel.id))
            #expect(storedNoModel.model == nil)
            #expect(storedNoModel.normalized == noModel.normalized)
            #expect(try await store.interaction(id: UUID()) == nil)
        }
    }
}
