import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization

/// Keeps one immutable `PolicySnapshot` per agent in memory; the database is read only when an agent's snapshot is
/// missing (first request) or stale (an admin write happened). A stale snapshot is still used when the database
/// cannot be read: during an outage nothing can change the policies, so the last ones known are the current ones.
final class PolicyDirectory: Sendable {
    private struct State {
        var snapshots: [UUID: PolicySnapshot] = [:]
        /// Snapshots from before the last invalidation, kept for an outage.
        var stale: [UUID: PolicySnapshot] = [:]
        /// Bumped by every invalidation, so a load that raced with a write cannot store a stale snapshot.
        var generation: UInt64 = 0
    }

    private let store: any Store
    private let health: StoreHealth
    private let state = Mutex(State())

    init(store: any Store, health: StoreHealth = StoreHealth()) {
        self.store = store
        self.health = health
    }

    /// The agent's snapshot, loading it on a miss.
    func snapshot(for agentId: UUID) async throws -> PolicySnapshot {
        let (cached, generation, stale) = state.withLock { ($0.snapshots[agentId], $0.generation, $0.stale[agentId]) }
        if let cached { return cached }
        let loaded: PolicySnapshot
        do {
            // Bounded only when the snapshot known before can answer instead; otherwise the request waits for it.
            if stale != nil, !health.isReachable { throw StoreError.unavailable("database unreachable") }
            loaded = stale != nil
                ? try await health.call { [store] in try await store.loadPolicySnapshot(agentId: agentId) }
                : try await store.loadPolicySnapshot(agentId: agentId)
        } catch StoreError.unavailable(let reason) {
            guard let stale else { throw StoreError.unavailable(reason) }
            return stale
        }
        state.withLock { state in
            if state.generation == generation {
                state.snapshots[agentId] = loaded
                state.stale[agentId] = nil
            }
        }
        return loaded
    }

    /// Drops every snapshot; called after any admin write that can change a verdict.
    func invalidate() {
        state.withLock { state in
            state.stale.merge(state.snapshots) { _, newer in newer }
            state.snapshots.removeAll()
            state.generation &+= 1
        }
    }
}
