import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO
import SQLiteNIO
import Testing

@testable import ArchestraStorePostgres
@testable import ArchestraStoreSQLite

func makeTrustedDataPolicy(
    tool: Tool, at created: Date, path: String = "emails[*].from", op: PolicyOperator = .endsWith,
    value: String = "@example.com", action: TrustedDataAction = .markAsTrusted, description: String = "Company mail",
    id: UUID = UUID()
) -> TrustedDataPolicy {
    TrustedDataPolicy(
        id: id, toolId: tool.id, description: description, attributePath: path, op: op, value: value, action: action,
        createdAt: created, updatedAt: created
    )
}

func makeInvocationPolicy(
    tool: Tool, at created: Date, argument: String = "to", op: PolicyOperator = .endsWith, value: String = "@example.com",
    action: ToolInvocationAction = .allowWhenContextIsUntrusted, reason: String? = "internal only", id: UUID = UUID()
) -> ToolInvocationPolicy {
    ToolInvocationPolicy(
        id: id, toolId: tool.id, argumentName: argument, op: op, value: value, action: action, reason: reason,
        createdAt: created, updatedAt: created
    )
}

extension TrustedDataPolicy {
    var normalized: TrustedDataPolicy {
        var copy = self
        copy.createdAt = createdAt.snappedToMillis
        copy.updatedAt = updatedAt.snappedToMillis
        return copy
    }
}

extension ToolInvocationPolicy {
    var normalized: ToolInvocationPolicy {
        var copy = self
        copy.createdAt = createdAt.snappedToMillis
        copy.updatedAt = updatedAt.snappedToMillis
        return copy
    }
}

/// Deletes one tool row directly: the `Store` protocol has no tool deletion, but the schema promises the cascade.
func deleteToolRow(_ id: UUID, in store: any Store) async throws {
    if let sqlite = store as? SQLiteStore {
        try await sqlite.run("DELETE FROM tools WHERE id = ?", [.uuid(id)])
    } else if let postgres = store as? PostgresStore {
        try await postgres.query("DELETE FROM tools WHERE id = \(id)")
    } else {
        Issue.record("unknown engine \(type(of: store))")
    }
}

/// Two agents with two tools each, and eight policies of each kind spread over them in scrambled creation order.
struct PolicyFixture {
    let alpha: Agent, beta: Agent
    let alphaRead: Tool, alphaSend: Tool, betaRead: Tool, betaSend: Tool
    let trusted: [TrustedDataPolicy]
    let invocation: [ToolInvocationPolicy]

    static func seed(_ store: any Store) async throws -> PolicyFixture {
        let alpha = makeAgent("Alpha", at: at(0))
        let beta = makeAgent("Beta", at: at(1))
        for agent in [alpha, beta] { try await store.insertAgent(agent) }
        let alphaRead = makeTool(agent: alpha, name: "read", at: at(2))
        let alphaSend = makeTool(agent: alpha, name: "send", at: at(3))
        let betaRead = makeTool(agent: beta, name: "read", at: at(4))
        let betaSend = makeTool(agent: beta, name: "send", at: at(5))
        try await store.insertToolsIfAbsent([alphaRead, alphaSend, betaRead, betaSend])
        let owners = [alphaRead, betaSend, alphaSend, betaRead, alphaRead, betaRead, alphaSend, betaSend]
        let offsets: [Int64] = [700, 100, 500, 300, 200, 800, 400, 600]
        var trusted: [TrustedDataPolicy] = []
        var invocation: [ToolInvocationPolicy] = []
        for (index, (tool, offset)) in zip(owners, offsets).enumerated() {
            let t = makeTrustedDataPolicy(
                tool: tool, at: at(offset), op: PolicyOperator.allCases[index % PolicyOperator.allCases.count],
                action: index.isMultiple(of: 3) ? .blockAlways : .markAsTrusted, description: "trusted \(index)"
            )
            let i = makeInvocationPolicy(
                tool: tool, at: at(offset + 1), action: index.isMultiple(of: 2) ? .blockAlways : .allowWhenContextIsUntrusted,
                reason: index.isMultiple(of: 4) ? nil : "reason \(index)"
            )
            try await store.insertTrustedDataPolicy(t)
            try await store.insertToolInvocationPolicy(i)
            trusted.append(t)
            invocation.append(i)
        }
        return PolicyFixture(
            alpha: alpha, beta: beta, alphaRead: alphaRead, alphaSend: alphaSend, betaRead: betaRead, betaSend: betaSend,
            trusted: trusted, invocation: invocation
        )
    }

    func agentId(of toolId: UUID) -> UUID {
        [alphaRead, alphaSend, betaRead, betaSend].first { $0.id == toolId }!.agentId
    }

    /// Newest first, filtered as the store should filter.
    func expectedTrusted(toolId: UUID? = nil, agentId: UUID? = nil) -> [UUID] {
        trusted.filter { (toolId == nil || $0.toolId == toolId) && (agentId == nil || self.agentId(of: $0.toolId) == agentId) }
            .sorted { $0.createdAt > $1.createdAt }.map(\.id)
    }

    func expectedInvocation(toolId: UUID? = nil, agentId: UUID? = nil) -> [UUID] {
        invocation.filter { (toolId == nil || $0.toolId == toolId) && (agentId == nil || self.agentId(of: $0.toolId) == agentId) }
            .sorted { $0.createdAt > $1.createdAt }.map(\.id)
    }
}

extension StoreConformanceTests {
    @Test("Policy lists are newest first and filter by toolId, agentId and both", arguments: StoreEngine.allCases)
    func policyListFilters(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let f = try await PolicyFixture.seed(store)
            #expect(try await store.listTrustedDataPolicies(toolId: nil, agentId: nil).map(\.normalized)
                == f.trusted.sorted { $0.createdAt > $1.createdAt }.map(\.normalized))
            #expect(try await store.listToolInvocationPolicies(toolId: nil, agentId: nil).map(\.normalized)
                == f.invocation.sorted { $0.createdAt > $1.createdAt }.map(\.normalized))
            for tool in [f.alphaRead, f.alphaSend, f.betaRead, f.betaSend] {
                #expect(try await store.listTrustedDataPolicies(toolId: tool.id, agentId: nil).map(\.id) == f.expectedTrusted(toolId: tool.id))
                #expect(try await store.listToolInvocationPolicies(toolId: tool.id, agentId: nil).map(\.id) == f.expectedInvocation(toolId: tool.id))
                for agent in [f.alpha, f.beta] {
                    #expect(try await store.listTrustedDataPolicies(toolId: tool.id, agentId: agent.id).map(\.id)
                        == f.expectedTrusted(toolId: tool.id, agentId: agent.id))
                    #expect(try await store.listToolInvocationPolicies(toolId: tool.id, agentId: agent.id).map(\.id)
                        == f.expectedInvocation(toolId: tool.id, agentId: agent.id))
                }
            }
            for agent in [f.alpha, f.beta] {
                let trusted = try await store.listTrustedDataPolicies(toolId: nil, agentId: agent.id).map(\.id)
                #expect(trusted == f.expectedTrusted(agentId: agent.id))
                #expect(trusted.count == 4)
                #expect(try await store.listToolInvocationPolicies(toolId: nil, agentId: agent.id).map(\.id) == f.expectedInvocation(agentId: agent.id))
            }
            #expect(try await store.listTrustedDataPolicies(toolId: f.alphaRead.id, agentId: f.beta.id).isEmpty)
            #expect(try await store.listToolInvocationPolicies(toolId: f.betaSend.id, agentId: f.alpha.id).isEmpty)
            #expect(try await store.listTrustedDataPolicies(toolId: UUID(), agentId: nil).isEmpty)
            #expect(try await store.listToolInvocationPolicies(toolId: nil, agentId: UUID()).isEmpty)

        }
    }

    @Test("Trusted-data policies: get, update every field but creation time, delete", arguments: StoreEngine.allCases)
    func trustedDataPolicyCRUD(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let f = try await PolicyFixture.seed(store)
            let original = f.trusted[0]
            #expect(try await store.trustedDataPolicy(id: original.id)?.normalized == original.normalized)
            #expect(try await store.trustedDataPolicy(id: UUID()) == nil)

            var changed = original
            changed.toolId = f.betaSend.id
            changed.description = "Ünïcödé 🤖 'quoted' \"desc\"; DROP TABLE tools;--"
            changed.attributePath = "a[*].b[0].c"
            changed.op = .regex
            changed.value = #"^\d+$"#
            changed.action = .blockAlways
            changed.updatedAt = at(9_000)
            changed.createdAt = at(9_999)
            #expect(try await store.updateTrustedDataPolicy(changed))
            var expected = changed
            expected.createdAt = original.createdAt
            #expect(try await store.trustedDataPolicy(id: original.id)?.normalized == expected.normalized)
            #expect(try await store.listTrustedDataPolicies(toolId: f.betaSend.id, agentId: f.beta.id).map(\.id).contains(original.id))
            #expect(try await !store.listTrustedDataPolicies(toolId: nil, agentId: f.alpha.id).map(\.id).contains(original.id))

            #expect(try await store.updateTrustedDataPolicy(makeTrustedDataPolicy(tool: f.alphaRead, at: at(1))) == false)
            #expect(try await store.deleteTrustedDataPolicy(id: original.id))
            #expect(try await store.trustedDataPolicy(id: original.id) == nil)
            #expect(try await store.deleteTrustedDataPolicy(id: original.id) == false)
            #expect(try await store.listTrustedDataPolicies(toolId: nil, agentId: nil).count == f.trusted.count - 1)
        }
    }

    @Test("Tool-invocation policies: get, update every field but creation time, null reason, delete", arguments: StoreEngine.allCases)
    func invocationPolicyCRUD(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let f = try await PolicyFixture.seed(store)
            let withoutReason = f.invocation[0]
            #expect(withoutReason.reason == nil)
            #expect(try await store.toolInvocationPolicy(id: withoutReason.id)?.normalized == withoutReason.normalized)
            let original = f.invocation[1]
            #expect(try await store.toolInvocationPolicy(id: original.id)?.reason == "reason 1")
            #expect(try await store.toolInvocationPolicy(id: UUID()) == nil)

            var changed = original
            changed.toolId = f.alphaRead.id
            changed.argumentName = "recipients[*].address"
            changed.op = .notContains
            changed.value = ""
            changed.action = .blockAlways
            changed.reason = nil
            changed.updatedAt = at(9_000)
            changed.createdAt = at(9_999)
            #expect(try await store.updateToolInvocationPolicy(changed))
            var expected = changed
            expected.createdAt = original.createdAt
            #expect(try await store.toolInvocationPolicy(id: original.id)?.normalized == expected.normalized)

            changed.reason = "now with a reason 🤖"
            #expect(try await store.updateToolInvocationPolicy(changed))
            #expect(try await store.toolInvocationPolicy(id: original.id)?.reason == "now with a reason 🤖")

            #expect(try await store.updateToolInvocationPolicy(makeInvocationPolicy(tool: f.alphaRead, at: at(1))) == false)
            #expect(try await store.deleteToolInvocationPolicy(id: original.id))
            #expect(try await store.toolInvocationPolicy(id: original.id) == nil)
            #expect(try await store.deleteToolInvocationPolicy(id: original.id) == false)
            #expect(try await store.listToolInvocationPolicies(toolId: nil, agentId: nil).count == f.invocation.count - 1)
        }
    }

    @Test("Deleting a tool, or its agent, cascades to its policies only", arguments: StoreEngine.allCases)
    func policyCascades(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let f = try await PolicyFixture.seed(store)
            try await deleteToolRow(f.alphaRead.id, in: store)
            #expect(try await store.tool(id: f.alphaRead.id) == nil)
            let remainingTrusted = f.trusted.filter { $0.toolId != f.alphaRead.id }
            let remainingInvocation = f.invocation.filter { $0.toolId != f.alphaRead.id }
            #expect(Set(try await store.listTrustedDataPolicies(toolId: nil, agentId: nil).map(\.id)) == Set(remainingTrusted.map(\.id)))
            #expect(Set(try await store.listToolInvocationPolicies(toolId: nil, agentId: nil).map(\.id)) == Set(remainingInvocation.map(\.id)))
            for policy in f.trusted where policy.toolId == f.alphaRead.id {
                #expect(try await store.trustedDataPolicy(id: policy.id) == nil)
            }
            for policy in f.invocation where policy.toolId == f.alphaRead.id {
                #expect(try await store.toolInvocationPolicy(id: policy.id) == nil)
            }

            #expect(try await store.deleteAgent(id: f.beta.id))
            let alphaTools: Set<UUID> = [f.alphaSend.id]
            #expect(Set(try await store.listTrustedDataPolicies(toolId: nil, agentId: nil).map(\.toolId)) == alphaTools)
            #expect(Set(try await store.listToolInvocationPolicies(toolId: nil, agentId: nil).map(\.toolId)) == alphaTools)
            #expect(try await store.listTrustedDataPolicies(toolId: nil, agentId: nil).count == f.trusted.filter { $0.toolId == f.alphaSend.id }.count)
            #expect(try await store.listTrustedDataPolicies(toolId: nil, agentId: f.beta.id).isEmpty)
            #expect(try await store.listToolInvocationPolicies(toolId: f.betaSend.id, agentId: nil).isEmpty)
        }
    }

    @Test("A policy for an unknown tool is rejected, on insert and on update; valid writes succeed", arguments: StoreEngine.allCases)
    func policyForeignKeys(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Owner", at: at(0))
            try await store.insertAgent(agent)
            let tool = makeTool(agent: agent, name: "read", at: at(1))
            try await store.insertToolsIfAbsent([tool])
            let ghostTool = makeTool(agent: agent, name: "ghost", at: at(2))

            func expectRejected(_ what: String, _ body: () async throws -> Void) async {
                do {
                    try await body()
                    Issue.record("\(what) must fail")
                } catch {
                    #expect(isRejected(error), "\(what): expected StoreError.rejected, got \(error)")
                }
            }
            await expectRejected("trusted-data policy for an unknown tool") {
                try await store.insertTrustedDataPolicy(makeTrustedDataPolicy(tool: ghostTool, at: at(3)))
            }
            await expectRejected("tool-invocation policy for an unknown tool") {
                try await store.insertToolInvocationPolicy(makeInvocationPolicy(tool: ghostTool, at: at(3)))
            }
            #expect(try await store.listTrustedDataPolicies(toolId: nil, agentId: nil).isEmpty)
            #expect(try await store.listToolInvocationPolicies(toolId: nil, agentId: nil).isEmpty)

            let trusted = makeTrustedDataPolicy(tool: tool, at: at(4))
            let invocation = makeInvocationPolicy(tool: tool, at: at(5))
            try await store.insertTrustedDataPolicy(trusted)
            try await store.insertToolInvocationPolicy(invocation)

            var movedTrusted = trusted
            movedTrusted.toolId = ghostTool.id
            await expectRejected("moving a trusted-data policy to an unknown tool") { _ = try await store.updateTrustedDataPolicy(movedTrusted) }
            var movedInvocation = invocation
            movedInvocation.toolId = ghostTool.id
            await expectRejected("moving a tool-invocation policy to an unknown tool") { _ = try await store.updateToolInvocationPolicy(movedInvocation) }
            await expectRejected("a second trusted-data policy with the same id") { try await store.insertTrustedDataPolicy(trusted) }

            #expect(try await store.trustedDataPolicy(id: trusted.id)?.normalized == trusted.normalized)
            #expect(try await store.toolInvocationPolicy(id: invocation.id)?.normalized == invocation.normalized)
            // The store keeps serving after the refusals.
            #expect(try await store.listTrustedDataPolicies(toolId: tool.id, agentId: agent.id).map(\.id) == [trusted.id])
            #expect(try await store.listToolInvocationPolicies(toolId: tool.id, agentId: agent.id).map(\.id) == [invocation.id])
        }
    }
}
