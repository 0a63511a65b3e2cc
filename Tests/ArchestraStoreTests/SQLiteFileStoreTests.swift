import ArchestraCore
import ArchestraStore
import ArchestraStoreSQLite
import Foundation
import Testing

@Suite("SQLite file store")
struct SQLiteFileStoreTests {
    @Test("A database file survives closing, reopening and migrating again")
    func reopenAndMigrateAgain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("archestra-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("archestra.sqlite").path

        let agent = makeAgent("Persistent 🗄️ 'agent'", at: at(0))
        let tool = makeTool(agent: agent, name: "read_file", at: at(1), parameters: ["type": "object"], description: "Reads")
        let interaction = makeInteraction(agentId: agent.id, at: at(2))

        let first = try await SQLiteStore.open(.file(path), logger: quietLogger)
        try await first.migrate()
        try await first.insertAgent(agent)
        try await first.insertToolsIfAbsent([tool])
        try await first.insertInteractions([interaction])
        try await first.shutdown()

        let second = try await SQLiteStore.open(.file(path), logger: quietLogger)
        try await second.migrate()
        try await second.migrate()
        #expect(try await second.listAgents().map(\.normalized) == [agent.normalized])
        #expect(try await second.tool(id: tool.id)?.normalized == tool.normalized)
        #expect(try await second.interaction(id: interaction.id)?.normalized == interaction.normalized)
        // Still writable, foreign keys still enforced after reopening.
        try await second.insertAgent(makeAgent("Second", at: at(3)))
        await #expect(throws: (any Error).self) {
            try await second.insertInteractions([makeInteraction(agentId: UUID(), at: at(4))])
        }
        #expect(try await second.deleteAgent(id: agent.id))
        #expect(try await second.tool(id: tool.id) == nil)
        #expect(try await second.listAgents().count == 1)
        try await second.shutdown()
    }
}
