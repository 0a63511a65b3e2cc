import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension VirtualKey {
    /// Every time snapped to its millisecond, so keys read back compare equal to the ones written.
    var normalized: VirtualKey {
        var key = self
        key.createdAt = createdAt.snappedToMillis
        key.lastUsedAt = lastUsedAt?.snappedToMillis
        key.expiresAt = expiresAt?.snappedToMillis
        key.revokedAt = revokedAt?.snappedToMillis
        return key
    }
}

extension StoreConformanceTests {
    static func makeKey(agent: Agent, name: String, at created: Date, hash: String, expiresAt: Date? = nil) -> VirtualKey {
        VirtualKey(
            id: UUID(), agentId: agent.id, name: name, prefix: "sk-arch-\(hash.prefix(4))", secretHash: hash, createdAt: created,
            expiresAt: expiresAt
        )
    }

    @Test("Virtual keys: stored as given, listed newest first per agent, revoked once, deleted with their agent", arguments: StoreEngine.allCases)
    func virtualKeys(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha", at: at(0))
            let beta = makeAgent("Beta", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }
            let first = Self.makeKey(agent: alpha, name: "ci", at: at(10), hash: String(repeating: "a", count: 64), expiresAt: at(99_000))
            let second = Self.makeKey(agent: alpha, name: "prod — ü", at: at(20), hash: String(repeating: "b", count: 64))
            let other = Self.makeKey(agent: beta, name: "beta", at: at(15), hash: String(repeating: "c", count: 64))
            for key in [first, second, other] { try await store.insertVirtualKey(key) }

            #expect(try await store.virtualKey(id: first.id)?.normalized == first.normalized)
            #expect(try await store.listVirtualKeys(agentId: alpha.id).map(\.id) == [second.id, first.id])
            #expect(try await store.listVirtualKeys(agentId: nil).map(\.id) == [second.id, other.id, first.id])

            #expect(try await store.revokeVirtualKey(id: first.id, at: at(30)))
            #expect(try await store.revokeVirtualKey(id: first.id, at: at(40)), "revoking again succeeds")
            #expect(try await store.virtualKey(id: first.id)?.revokedAt?.snappedToMillis == at(30), "and keeps the first revocation time")
            #expect(try await store.revokeVirtualKey(id: UUID(), at: at(30)) == false)

            #expect(try await store.deleteAgent(id: alpha.id))
            #expect(try await store.virtualKey(id: second.id) == nil)
            #expect(try await store.listVirtualKeys(agentId: nil).map(\.id) == [other.id])
        }
    }

    @Test("Two keys cannot share a hash", arguments: StoreEngine.allCases)
    func uniqueHashes(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Alpha", at: at(0))
            try await store.insertAgent(agent)
            try await store.insertVirtualKey(Self.makeKey(agent: agent, name: "one", at: at(1), hash: String(repeating: "d", count: 64)))
            await #expect(throws: StoreError.self) {
                try await store.insertVirtualKey(Self.makeKey(agent: agent, name: "two", at: at(2), hash: String(repeating: "d", count: 64)))
            }
        }
    }

    @Test("Last use only moves forward", arguments: StoreEngine.allCases)
    func lastUse(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Alpha", at: at(0))
            try await store.insertAgent(agent)
            let key = Self.makeKey(agent: agent, name: "k", at: at(1), hash: String(repeating: "e", count: 64))
            try await store.insertVirtualKey(key)
            #expect(try await store.virtualKey(id: key.id)?.lastUsedAt == nil)
            try await store.recordVirtualKeyUses([key.id: at(500)])
            #expect(try await store.virtualKey(id: key.id)?.lastUsedAt?.snappedToMillis == at(500))
            try await store.recordVirtualKeyUses([key.id: at(300), UUID(): at(900)])
            #expect(try await store.virtualKey(id: key.id)?.lastUsedAt?.snappedToMillis == at(500))
            try await store.recordVirtualKeyUses([key.id: at(800)])
            #expect(try await store.virtualKey(id: key.id)?.lastUsedAt?.snappedToMillis == at(800))
            try await store.recordVirtualKeyUses([:])
        }
    }
}
