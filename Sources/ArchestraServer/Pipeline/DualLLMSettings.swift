import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization

/// The Dual LLM configuration the pipeline uses (the oldest one, created with the built-in prompts when none
/// exists), kept in memory and reloaded only after an admin write; the one known before is used while the database
/// cannot be read.
final class DualLLMSettings: Sendable {
    private struct State {
        var config: DualLLMConfig?
        var stale: DualLLMConfig?
        var generation: UInt64 = 0
    }

    private let store: any Store
    private let clock: any WallClock
    private let ids: any IdentifierSource
    private let health: StoreHealth
    private let state = Mutex(State())

    init(store: any Store, clock: any WallClock, ids: any IdentifierSource, health: StoreHealth = StoreHealth()) {
        self.store = store
        self.clock = clock
        self.ids = ids
        self.health = health
    }

    /// The default configuration.
    func current() async throws -> DualLLMConfig {
        let (cached, generation, stale) = state.withLock { ($0.config, $0.generation, $0.stale) }
        if let cached { return cached }
        let candidate = DualLLMConfig.builtIn(id: ids.makeUUID(), now: clock.now())
        let loaded: DualLLMConfig
        do {
            if stale != nil, !health.isReachable { throw StoreError.unavailable("database unreachable") }
            loaded = stale != nil
                ? try await health.call { [store] in try await store.defaultDualLLMConfig(candidate: candidate) }
                : try await store.defaultDualLLMConfig(candidate: candidate)
        } catch StoreError.unavailable(let reason) {
            guard let stale else { throw StoreError.unavailable(reason) }
            return stale
        }
        state.withLock { state in
            if state.generation == generation { state.config = loaded }
        }
        return loaded
    }

    /// Forgets the cached configuration.
    func invalidate() {
        state.withLock { state in
            if let config = state.config { state.stale = config }
            state.config = nil
            state.generation &+= 1
        }
    }
}
