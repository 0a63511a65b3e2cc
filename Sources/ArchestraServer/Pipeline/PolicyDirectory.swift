import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization

/// Keeps one immutable `PolicySnapshot` per agent in memory; the database is read only when an agent's snapshot is
/// missing (first request, or after an admin write invalidated it).
final class PolicyDirectory: Sendable {
    private struct State {
        var snapshots: [UUID: PolicySnapshot] = [:]
        /// Bumped by every invalidation, so a load that raced with a write cannot store a stale snapshot.
        var generation: UInt64 = 0
    }

    private let store: any Store
    private let state = Mutex(State())

    init(store: any Store) {
        self.store = store
    }

    /// The agent's snapshot, loading it on a miss.
    func snapshot(for agentId: UUID) async throws -> PolicySnapshot {
        let (cached, generation) = state.withLock { ($0.snapshots[agentId], $0.generation) }
        if let cached { return cached }
        let loaded = try await store.loadPolicySnapshot(agentId: agentId)
        state.withLock { state in
            if state.generation == generation { state.snapshots[agentId] = loaded }
        }
        return loaded
    }

    /// Drops every snapshot; called after any admin write that can change a verdict.
    func invalidate() {
        state.withLock { state in
            state.snapshots.removeAll()
            state.generation &+= 1
        }
    }
}
