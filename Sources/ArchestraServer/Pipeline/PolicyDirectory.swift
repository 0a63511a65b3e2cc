import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization

/// Keeps one immutable `PolicySnapshot` per agent in memory; the database is read only when an agent's snapshot is
/// missing (first request) or stale (an admin write happened). Requests that miss together wait on one load: after
/// a policy change every request in flight misses at once, and one query answers them all. A stale snapshot is
/// still used when the database cannot be read: during an outage nothing can change the policies, so the last ones
/// known are the current ones.
final class PolicyDirectory: Sendable {
    private struct State {
        var snapshots: [UUID: PolicySnapshot] = [:]
        /// Snapshots from before the last invalidation, kept for an outage.
        var stale: [UUID: PolicySnapshot] = [:]
        /// Loads under way in the current generation. An invalidation forgets them: a request that arrives after a
        /// policy change must not be answered by a load that started before it.
        var loads: [UUID: Task<PolicySnapshot, any Error>] = [:]
        /// Bumped by every invalidation, so a load that raced with a write cannot store a stale snapshot.
        var generation: UInt64 = 0
    }

    private let loader: @Sendable (UUID) async throws -> PolicySnapshot
    private let health: StoreHealth
    private let state = Mutex(State())

    convenience init(store: any Store, health: StoreHealth = StoreHealth()) {
        self.init(health: health) { try await store.loadPolicySnapshot(agentId: $0) }
    }

    init(health: StoreHealth = StoreHealth(), load: @escaping @Sendable (UUID) async throws -> PolicySnapshot) {
        self.loader = load
        self.health = health
    }

    /// The agent's snapshot, loading it on a miss.
    func snapshot(for agentId: UUID) async throws -> PolicySnapshot {
        let (cached, load, generation, stale) = state.withLock { state -> (PolicySnapshot?, Task<PolicySnapshot, any Error>?, UInt64, PolicySnapshot?) in
            if let cached = state.snapshots[agentId] { return (cached, nil, state.generation, nil) }
            let stale = state.stale[agentId]
            // While the database is known to be away, the snapshot known before answers without a load.
            if stale != nil, !health.isReachable { return (nil, nil, state.generation, stale) }
            if let load = state.loads[agentId] { return (nil, load, state.generation, stale) }
            let load = Task { [loader] in try await loader(agentId) }
            state.loads[agentId] = load
            return (nil, load, state.generation, stale)
        }
        if let cached { return cached }
        guard let load else {
            // No load was started: the database is away and the snapshot from before answers.
            guard let stale else { throw StoreError.unavailable("database unreachable") }
            return stale
        }
        let loaded: PolicySnapshot
        do {
            // Bounded only when the snapshot known before can answer instead; otherwise the request waits for it.
            loaded = stale != nil ? try await health.call { try await load.value } : try await load.value
        } catch {
            forget(load, of: agentId, generation: generation)
            if let stale, case StoreError.unavailable = error { return stale }
            throw error
        }
        state.withLock { state in
            guard state.generation == generation else { return }
            state.snapshots[agentId] = loaded
            state.stale[agentId] = nil
            state.loads[agentId] = nil
        }
        return loaded
    }

    /// A failed load is not shared with the requests that come after it: they try again.
    private func forget(_ load: Task<PolicySnapshot, any Error>, of agentId: UUID, generation: UInt64) {
        state.withLock { state in
            if state.generation == generation, state.loads[agentId] == load { state.loads[agentId] = nil }
        }
    }

    /// Drops every snapshot; called after any admin write that can change a verdict.
    func invalidate() {
        state.withLock { state in
            state.stale.merge(state.snapshots) { _, newer in newer }
            state.snapshots.removeAll()
            state.loads.removeAll()
            state.generation &+= 1
        }
    }
}
