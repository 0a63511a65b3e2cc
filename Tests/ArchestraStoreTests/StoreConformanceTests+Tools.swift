import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension StoreConformanceTests {
    @Test("insertToolsIfAbsent leaves an existing (agent, name) unchanged", arguments: StoreEngine.allCases)
    func insertToolsIfAbsentKeepsExisting(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha", at: at(0))
            let beta = makeAgent("Beta", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }

            let original = makeTool(
                agent: alpha, name: "read_file", at: at(10), parameters: ["type": "object"], description: "original"
            )
            try await store.insertToolsIfAbsent([original])
            var flagged = original
            flagged.allowUsageWhenUntrustedDataIsPresent = true
            flagged.dataIsTrustedByDefault = true
            flagged.updatedAt = at(20)
            #expect(try await store.updateToolFlags(flagged))

            let redeclared = makeTool(
                agent: alpha, name: "read_file", at: at(30), parameters: ["type": "string"], description: "changed"
            )
            let sameNameOtherAgent = makeTool(agent: beta, name: "read_file", at: at(31))
            let newForAlpha = makeTool(agent: alpha, name: "write_file", at: at(32))
            try await store.insertToolsIfAbsent([redeclared, sameNameOtherAgent, newForAlpha])
            try await store.insertToolsIfAbsent([])

            #expect(try await store.tool(id: original.id)?.normalized == flagged.normalized)
            #expect(try await store.tool(id: redeclared.id) == nil)
            #expect(try await store.tool(id: sameNameOtherAgent.id)?.normalized == sameNameOtherAgent.normalized)
            #expect(try await store.tool(id: newForAlpha.id)?.normalized == newForAlpha.normalized)
            #expect(try await store.listTools(agentId: alpha.id).map(\.tool.id) == [newForAlpha.id, original.id])

            // The same name twice in one batch (a request declaring a tool twice): the first one is kept.
            let first = makeTool(agent: beta, name: "twice", at: at(40), description: "first")
            let second = makeTool(agent: beta, name: "twice", at: at(41), description: "second")
            try await store.insertToolsIfAbsent([first, second])
            let twice = try await store.listTools(agentId: beta.id).filter { $0.tool.name == "twice" }
            #expect(twice.map(\.tool.id) == [first.id])
        }
    }

    @Test("listTools is newest first, names the agent and filters by agentId", arguments: StoreEngine.allCases)
    func listToolsNewestFirst(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha agent", at: at(0))
            let beta = makeAgent("Beta agent", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }
            let a1 = makeTool(agent: alpha, name: "a1", at: at(100))
            let b1 = makeTool(agent: beta, name: "b1", at: at(200))
            let a2 = makeTool(agent: alpha, name: "a2", at: at(300))
            let b2 = makeTool(agent: beta, name: "b2", at: at(400))
            let a3 = makeTool(agent: alpha, name: "a3", at: at(500))
            try await store.insertToolsIfAbsent([b2, a1, a3])
            try await store.insertToolsIfAbsent([b1, a2])

            let all = try await store.listTools(agentId: nil)
            #expect(all.map(\.tool.normalized) == [a3, b2, a2, b1, a1].map(\.normalized))
            #expect(all.map(\.agentName) == ["Alpha agent", "Beta agent", "Alpha agent", "Beta agent", "Alpha agent"])

            let alphas = try await store.listTools(agentId: alpha.id)
            #expect(alphas.map(\.tool.id) == [a3.id, a2.id, a1.id])
            #expect(alphas.allSatisfy { $0.agentName == "Alpha agent" && $0.tool.agentId == alpha.id })
            #expect(try await store.listTools(agentId: beta.id).map(\.tool.id) == [b2.id, b1.id])
            #expect(try await store.listTools(agentId: UUID()).isEmpty)

            var renamed = alpha
            renamed.name = "Alpha, renamed"
            #expect(try await store.updateAgent(renamed))
            #expect(try await store.listTools(agentId: alpha.id).allSatisfy { $0.agentName == "Alpha, renamed" })
        }
    }

    @Test("updateToolFlags overwrites only the two flags and the update time", arguments: StoreEngine.allCases)
    func updateToolFlags(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Flag owner", at: at(0))
            try await store.insertAgent(agent)
            let tool = makeTool(agent: agent, name: "send_email", at: at(1), parameters: ["type": "object"], description: "Sends")
            try await store.insertToolsIfAbsent([tool])

            var change = tool
            change.allowUsageWhenUntrustedDataIsPresent = true
            change.updatedAt = at(2)
            // Fields that are not flags must be ignored.
            change.name = "renamed"
            change.description = "changed"
            change.parameters = ["type": "array"]
            change.createdAt = at(3)
            #expect(try await store.updateToolFlags(change))
            var expected = tool
            expected.allowUsageWhenUntrustedDataIsPresent = true
            expected.updatedAt = at(2)
            #expect(try await store.tool(id: tool.id)?.normalized == expected.normalized)

            expected.allowUsageWhenUntrustedDataIsPresent = false
            expected.dataIsTrustedByDefault = true
            expected.updatedAt = at(4)
            #expect(try await store.updateToolFlags(expected))
            #expect(try await store.tool(id: tool.id)?.normalized == expected.normalized)

            #expect(try await store.updateToolFlags(makeTool(agent: agent, name: "unknown", at: at(5))) == false)
            #expect(try await store.tool(id: UUID()) == nil)
            #expect(try await store.listTools(agentId: nil).count == 1)
        }
    }

    /// A parameter schema with nesting, every JSON type, escapes and non-ASCII text.
    static let parameterSchema = #"""
        {"type":"object","properties":{"path":{"type":"string","description":"A path like C:\\Users\\\"me\" or /tmp/ü 📁","default":"./"},
        "depth":{"type":"integer","minimum":-3,"maximum":12,"multipleOf":0.5},"flags":{"type":"array","items":{"enum":[true,false,null]}},
        "empty":{},"none":[],"nested":[[1,[2,[3]]],{"k":"line\nbreak\ttab \u0001"}]},"required":["path"],"additionalProperties":false}
        """#

    @Test("Tool parameters round-trip as JSON (and verbatim where the engine keeps JSON text)", arguments: StoreEngine.allCases)
    func parametersRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Schema owner", at: at(0))
            try await store.insertAgent(agent)
            let parameters = try JSONParser.parse(Self.parameterSchema)
            let tool = makeTool(agent: agent, name: "list_files", at: at(1), parameters: parameters, description: nil)
            let bare = makeTool(agent: agent, name: "no_parameters", at: at(2), description: "")
            try await store.insertToolsIfAbsent([tool, bare])

            let stored = try #require(try await store.tool(id: tool.id))
            #expect(canonicalJSON(stored.parameters) == canonicalJSON(parameters))
            #expect(stored.description == nil)
            if engine.keepsJSONTextVerbatim {
                #expect(JSONWriter.string(stored.parameters) == JSONWriter.string(parameters))
            }
            let storedBare = try #require(try await store.tool(id: bare.id))
            #expect(storedBare.parameters == [:])
            #expect(storedBare.description == "")
        }
    }
}
