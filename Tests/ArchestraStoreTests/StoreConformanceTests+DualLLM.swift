import ArchestraCore
import ArchestraStore
import Foundation
import Testing

func makeDualLLMConfig(
    at created: Date, enabled: Bool = false, maxRounds: Int = 5, provider: Provider = .openai, model: String = "gpt-4o",
    prompts: (String, String, String) = ("main {{originalUserRequest}}", "quarantined {{toolResultData}}", "summary {{qaText}}"),
    id: UUID = UUID()
) -> DualLLMConfig {
    DualLLMConfig(
        id: id, enabled: enabled, mainAgentPrompt: prompts.0, quarantinedAgentPrompt: prompts.1, summaryPrompt: prompts.2,
        maxRounds: maxRounds, provider: provider, model: model, createdAt: created, updatedAt: created
    )
}

func makeDualLLMResult(
    agentId: UUID, toolCallId: String, at created: Date, result: String = "a summary",
    conversations: [DualLLMMessage] = [DualLLMMessage(role: "user", content: "main prompt")], id: UUID = UUID()
) -> DualLLMResult {
    DualLLMResult(id: id, agentId: agentId, toolCallId: toolCallId, conversations: conversations, result: result, createdAt: created)
}

extension DualLLMConfig {
    /// Dates snapped to milliseconds, for comparing a value read back with the one written.
    var normalized: DualLLMConfig {
        var copy = self
        copy.createdAt = createdAt.snappedToMillis
        copy.updatedAt = updatedAt.snappedToMillis
        return copy
    }
}

extension DualLLMResult {
    var normalized: DualLLMResult {
        var copy = self
        copy.createdAt = createdAt.snappedToMillis
        return copy
    }
}

/// Whether `error` is `StoreError.rejected`.
func isRejected(_ error: any Error) -> Bool {
    if case StoreError.rejected = error { return true }
    return false
}

extension StoreConformanceTests {
    @Test("Dual LLM configs: create, list oldest first, get, update, delete", arguments: StoreEngine.allCases)
    func dualLLMConfigsCRUD(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            #expect(try await store.listDualLLMConfigs().isEmpty)
            let middle = makeDualLLMConfig(at: at(1_000), enabled: true, maxRounds: 50, provider: .anthropic, model: "claude-sonnet-4-5")
            let newest = makeDualLLMConfig(
                at: at(2_000), maxRounds: 1, provider: .gemini, model: "gemini-2.5-flash",
                prompts: ("Ünïcödé 🤖 {{originalUserRequest}} 'quotes' \"double\"", "Robert'); DROP TABLE dual_llm_config;--", "line\nbreak\ttab")
            )
            let oldest = makeDualLLMConfig(at: at(0))
            for config in [middle, newest, oldest] { try await store.insertDualLLMConfig(config) }

            #expect(try await store.listDualLLMConfigs().map(\.normalized) == [oldest, middle, newest].map(\.normalized))
            #expect(try await store.dualLLMConfig(id: newest.id)?.normalized == newest.normalized)
            #expect(try await store.dualLLMConfig(id: middle.id)?.normalized == middle.normalized)
            #expect(try await store.dualLLMConfig(id: UUID()) == nil)

            var changed = middle
            changed.enabled = false
            changed.mainAgentPrompt = "new main"
            changed.quarantinedAgentPrompt = "new quarantined"
            changed.summaryPrompt = "new summary"
            changed.maxRounds = 7
            changed.provider = .openai
            changed.model = "gpt-4.1-mini"
            changed.updatedAt = at(5_000)
            changed.createdAt = at(9_999)  // not an updatable field: must be ignored
            #expect(try await store.updateDualLLMConfig(changed))
            var expected = changed
            expected.createdAt = middle.createdAt
            #expect(try await store.dualLLMConfig(id: middle.id)?.normalized == expected.normalized)
            #expect(try await store.listDualLLMConfigs().map(\.id) == [oldest.id, middle.id, newest.id])

            #expect(try await store.updateDualLLMConfig(makeDualLLMConfig(at: at(3_000))) == false)
            #expect(try await store.listDualLLMConfigs().count == 3)

            #expect(try await store.deleteDualLLMConfig(id: oldest.id))
            #expect(try await store.dualLLMConfig(id: oldest.id) == nil)
            #expect(try await store.deleteDualLLMConfig(id: oldest.id) == false)
            #expect(try await store.deleteDualLLMConfig(id: UUID()) == false)
            #expect(try await store.listDualLLMConfigs().map(\.id) == [middle.id, newest.id])
        }
    }

    @Test("defaultDualLLMConfig creates the candidate once, then returns the oldest config", arguments: StoreEngine.allCases)
    func defaultDualLLMConfig(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let first = makeDualLLMConfig(at: at(5_000), enabled: true, maxRounds: 9)
            #expect(try await store.defaultDualLLMConfig(candidate: first).normalized == first.normalized)
            #expect(try await store.listDualLLMConfigs().map(\.normalized) == [first.normalized])

            let second = makeDualLLMConfig(at: at(6_000))
            #expect(try await store.defaultDualLLMConfig(candidate: second).normalized == first.normalized)
            #expect(try await store.dualLLMConfig(id: second.id) == nil, "the candidate must not be stored when a config exists")

            // A config inserted later but created earlier is the oldest, hence the default.
            let older = makeDualLLMConfig(at: at(1_000), provider: .gemini, model: "gemini-x")
            let newer = makeDualLLMConfig(at: at(9_000))
            try await store.insertDualLLMConfig(newer)
            try await store.insertDualLLMConfig(older)
            #expect(try await store.defaultDualLLMConfig(candidate: makeDualLLMConfig(at: at(0))).normalized == older.normalized)
            #expect(try await store.listDualLLMConfigs().count == 3)

            #expect(try await store.deleteDualLLMConfig(id: older.id))
            #expect(try await store.defaultDualLLMConfig(candidate: makeDualLLMConfig(at: at(0))).id == first.id)
        }
    }

    @Test("defaultDualLLMConfig called 20 times at once on an empty store creates one config", arguments: StoreEngine.allCases)
    func defaultDualLLMConfigConcurrently(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let candidates = (0..<20).map { makeDualLLMConfig(at: at(Int64($0))) }
            let results = try await withThrowingTaskGroup(of: DualLLMConfig.self) { group in
                for candidate in candidates {
                    group.addTask { try await store.defaultDualLLMConfig(candidate: candidate) }
                }
                return try await group.reduce(into: [DualLLMConfig]()) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(Set(results.map(\.id)).count == 1, "every caller must get the same config")
            let stored = try await store.listDualLLMConfigs()
            #expect(stored.count == 1)
            #expect(stored.first?.id == results.first?.id)
            #expect(candidates.contains { $0.id == stored.first?.id })
        }
    }

    @Test("Dual LLM results: insert, duplicate ignored, lookup, newest first, agent filter, latest by tool call id", arguments: StoreEngine.allCases)
    func dualLLMResults(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha", at: at(0))
            let beta = makeAgent("Beta", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }
            let conversation = [
                DualLLMMessage(role: "user", content: "main prompt with Ünïcödé 🤖 and \"quotes\"\nand lines"),
                DualLLMMessage(role: "assistant", content: "QUESTION: Who?\nOPTIONS:\n0: a\n1: b"),
                DualLLMMessage(role: "user", content: "Answer: 1 (b)"),
                DualLLMMessage(role: "assistant", content: "DONE"),
            ]
            let a1 = makeDualLLMResult(agentId: alpha.id, toolCallId: "call_1", at: at(100), result: "alpha one", conversations: conversation)
            let b1 = makeDualLLMResult(agentId: beta.id, toolCallId: "call_1", at: at(200), result: "beta one", conversations: [])
            let a2 = makeDualLLMResult(agentId: alpha.id, toolCallId: "call_2", at: at(300), result: "alpha two")
            let b2 = makeDualLLMResult(agentId: beta.id, toolCallId: "gemini-'; DROP TABLE x;--", at: at(50), result: "beta two")
            for result in [a2, b1, b2, a1] { try await store.insertDualLLMResult(result) }

            // The same (agent, tool call id) again: ignored, the first one stays.
            let duplicate = makeDualLLMResult(agentId: alpha.id, toolCallId: "call_1", at: at(900), result: "replaced?")
            try await store.insertDualLLMResult(duplicate)

            #expect(try await store.dualLLMResult(agentId: alpha.id, toolCallId: "call_1")?.normalized == a1.normalized)
            #expect(try await store.dualLLMResult(agentId: beta.id, toolCallId: "call_1")?.normalized == b1.normalized)
            #expect(try await store.dualLLMResult(agentId: beta.id, toolCallId: b2.toolCallId)?.normalized == b2.normalized)
            #expect(try await store.dualLLMResult(agentId: beta.id, toolCallId: "call_2") == nil)
            #expect(try await store.dualLLMResult(agentId: UUID(), toolCallId: "call_1") == nil)
            #expect(try await store.dualLLMResult(agentId: alpha.id, toolCallId: "CALL_1") == nil, "tool call ids are exact")

            #expect(try await store.listDualLLMResults(agentId: nil).map(\.normalized) == [a2, b1, a1, b2].map(\.normalized))
            #expect(try await store.listDualLLMResults(agentId: alpha.id).map(\.id) == [a2.id, a1.id])
            #expect(try await store.listDualLLMResults(agentId: beta.id).map(\.id) == [b1.id, b2.id])
            #expect(try await store.listDualLLMResults(agentId: UUID()).isEmpty)

            #expect(try await store.latestDualLLMResult(toolCallId: "call_1")?.id == b1.id, "the newest with that id, any agent")
            #expect(try await store.latestDualLLMResult(toolCallId: "call_2")?.id == a2.id)
            #expect(try await store.latestDualLLMResult(toolCallId: "call_3") == nil)
        }
    }

    @Test("Deleting an agent cascades to its Dual LLM results only", arguments: StoreEngine.allCases)
    func dualLLMResultsCascade(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let doomed = makeAgent("Doomed", at: at(0))
            let survivor = makeAgent("Survivor", at: at(1))
            for agent in [doomed, survivor] { try await store.insertAgent(agent) }
            let doomedResults = (0..<3).map { makeDualLLMResult(agentId: doomed.id, toolCallId: "call_\($0)", at: at(10 + Int64($0))) }
            let survivorResult = makeDualLLMResult(agentId: survivor.id, toolCallId: "call_0", at: at(20))
            for result in doomedResults + [survivorResult] { try await store.insertDualLLMResult(result) }
            let config = makeDualLLMConfig(at: at(30))
            try await store.insertDualLLMConfig(config)

            #expect(try await store.deleteAgent(id: doomed.id))

            for result in doomedResults {
                #expect(try await store.dualLLMResult(agentId: doomed.id, toolCallId: result.toolCallId) == nil)
            }
            #expect(try await store.listDualLLMResults(agentId: nil).map(\.id) == [survivorResult.id])
            #expect(try await store.latestDualLLMResult(toolCallId: "call_0")?.id == survivorResult.id)
            #expect(try await store.dualLLMConfig(id: config.id) != nil, "configs belong to no agent")
        }
    }

    @Test("A Dual LLM result for an unknown agent is rejected; for a known one it is stored", arguments: StoreEngine.allCases)
    func dualLLMResultForeignKey(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let orphan = makeDualLLMResult(agentId: UUID(), toolCallId: "call_1", at: at(0))
            do {
                try await store.insertDualLLMResult(orphan)
                Issue.record("inserting a result for an unknown agent must fail")
            } catch {
                #expect(isRejected(error), "expected StoreError.rejected, got \(error)")
            }
            #expect(try await store.listDualLLMResults(agentId: nil).isEmpty)

            let agent = makeAgent("Owner", at: at(1))
            try await store.insertAgent(agent)
            let owned = makeDualLLMResult(agentId: agent.id, toolCallId: "call_1", at: at(2))
            try await store.insertDualLLMResult(owned)
            #expect(try await store.listDualLLMResults(agentId: nil).map(\.normalized) == [owned.normalized])
        }
    }
}
