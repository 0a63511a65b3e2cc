import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The virtual keys, checked from memory: a snapshot of every key's hash by its shown prefix, loaded on first use
/// and again after any admin write (here or, through the change feed, on another instance) — so a revocation
/// applies at once and a key check costs no database round trip. When a key was last used is kept here and
/// written in the background.
final class KeyDirectory: Service, Sendable {
    /// What a presented secret turned out to be.
    enum Resolution: Sendable, Equatable {
        case valid(VirtualKey)
        case malformed, unknown, revoked, expired
    }

    private struct State {
        var byPrefix: [String: [VirtualKey]]?
        /// The snapshot before the last invalidation, used while the database cannot be read (nothing can change
        /// the keys then).
        var stale: [String: [VirtualKey]]?
        var generation: UInt64 = 0
        var uses: [UUID: Date] = [:]
    }

    private let store: any Store
    private let clock: any WallClock
    private let logger: Logger
    private let health: StoreHealth
    private let state = Mutex(State())
    /// How often last-use times are written.
    private let useFlushInterval: Duration

    init(
        store: any Store, clock: any WallClock, logger: Logger, health: StoreHealth = StoreHealth(),
        useFlushInterval: Duration = .seconds(10)
    ) {
        self.useFlushInterval = useFlushInterval
        self.store = store
        self.clock = clock
        self.logger = logger
        self.health = health
    }

    /// Checks a presented secret.
    func resolve(_ secret: String) async throws -> Resolution {
        guard VirtualKeySecret.isWellFormed(secret) else { return .malformed }
        let candidates = try await snapshot()[VirtualKeySecret.prefix(of: secret)] ?? []
        let hash = VirtualKeySecret.hash(secret)
        guard let key = candidates.first(where: { VirtualKeySecret.sameHash($0.secretHash, hash) }) else { return .unknown }
        if key.revokedAt != nil { return .revoked }
        let now = clock.now()
        if let expiresAt = key.expiresAt, expiresAt <= now { return .expired }
        state.withLock { $0.uses[key.id] = now }
        return .valid(key)
    }

    private func snapshot() async throws -> [String: [VirtualKey]] {
        let (cached, generation, stale) = state.withLock { ($0.byPrefix, $0.generation, $0.stale) }
        if let cached { return cached }
        let loaded: [String: [VirtualKey]]
        do {
            if stale != nil, !health.isReachable { throw StoreError.unavailable("database unreachable") }
            let keys = stale != nil
                ? try await health.call { [store] in try await store.listVirtualKeys(agentId: nil) }
                : try await store.listVirtualKeys(agentId: nil)
            loaded = Dictionary(grouping: keys, by: \.prefix)
        } catch StoreError.unavailable(let reason) {
            guard let stale else { throw StoreError.unavailable(reason) }
            return stale
        }
        state.withLock { state in
            if state.generation == generation { state.byPrefix = loaded }
        }
        return loaded
    }

    /// Drops the snapshot and reads the keys again at once, not at the next check. Were the database to stop
    /// answering between a revocation and that check, the snapshot from before would answer for it, and accept the
    /// revoked key; read right away, while the database that just announced the change still answers, the window
    /// shrinks to one round trip.
    func invalidate() {
        state.withLock { state in
            if let current = state.byPrefix { state.stale = current }
            state.byPrefix = nil
            state.generation &+= 1
        }
        Task { _ = try? await self.snapshot() }
    }

    /// Whether the keys in memory are the database's since the last change (not the snapshot from before it).
    var isCurrent: Bool { state.withLock { $0.byPrefix != nil } }

    /// Writes the last-use times gathered since the previous write.
    func flushUses() async {
        let uses = state.withLock { state in
            defer { state.uses.removeAll() }
            return state.uses
        }
        guard !uses.isEmpty else { return }
        do {
            try await store.recordVirtualKeyUses(uses)
        } catch {
            // Kept for the next write (a newer use of the same key wins).
            state.withLock { state in state.uses.merge(uses) { newer, _ in newer } }
            logger.warning("could not record when virtual keys were last used", metadata: ["error": "\(error)"])
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.useFlushInterval)
                await self.flushUses()
            }
        }
        await flushUses()
    }
}
