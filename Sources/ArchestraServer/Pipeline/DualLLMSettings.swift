import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization

/// The Dual LLM configuration the pipeline uses (the oldest one, created with the built-in prompts when none
/// exists), kept in memory and reloaded only after an admin write.
final class DualLLMSettings: Sendable {
    private struct State {
        var config: DualLLMConfig?
        var generation: UInt64 = 0
    }

    private let store: any Store
    private let clock: any WallClock
    private let ids: any IdentifierSource
    private let state = Mutex(State())

    init(store: any Store, clock: any WallClock, ids: any IdentifierSource) {
        self.store = store
        self.clock = clock
        self.ids = ids
    }

    /// The default configuration.
    func current() async throws -> DualLLMConfig {
        let (cached, generation) = state.withLock { ($0.config, $0.generation) }
        if let cached { return cached }
        let loaded = try await store.defaultDualLLMConfig(candidate: .builtIn(id: ids.makeUUID(), now: clock.now()))
        state.withLock { state in
            if state.generation == generation { state.config = loaded }
        }
        return loaded
    }

    /// Forgets the cached configuration.
    func invalidate() {
        state.withLock { state in
            state.config = nil
            state.generation &+= 1
        }
    }
}
