import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import Synchronization

/// What this instance knows of responses and conversations kept at the provider, backed by the store so every
/// instance sees what any relayed.
///
/// A relayed response never changes, so it is kept once seen. A conversation can only lose trust: an untrusted
/// one is kept for good, a trusted one is re-read from the store after `trustedConversationTTL`, so a taint
/// recorded by another instance applies here within that time. A continuation the store does not know, or that
/// cannot be read, counts as untrusted.
final class ContinuationDirectory: Sendable {
    private struct State {
        var responses: [String: RelayedResponse] = [:]
        var responseOrder: [String] = []
        var conversations: [String: (trusted: Bool, readAt: ContinuousClock.Instant)] = [:]
    }

    /// Entries kept before the oldest are forgotten (they can be read again from the store).
    static let capacity = 50_000
    /// How long a trusted conversation is believed without asking the store again.
    static let trustedConversationTTL: Duration = .seconds(1)

    private let store: any Store
    private let clock: any WallClock
    private let health: StoreHealth
    private let state = Mutex(State())

    init(store: any Store, clock: any WallClock, health: StoreHealth = StoreHealth()) {
        self.store = store
        self.clock = clock
        self.health = health
    }

    /// The verdict on a continuation, and the tool names of the continued response's calls.
    func lookUp(_ continuation: Continuation, agentId: UUID, logger: Logger) async -> (verdict: ContinuationVerdict, callNames: [String: String]) {
        switch continuation.kind {
        case .previousResponse:
            guard let relayed = await response(continuation.id, logger: logger) else { return (.unseen(continuation), [:]) }
            guard relayed.agentId == agentId else {
                let verdict = ContinuationVerdict(
                    kind: .previousResponse, id: continuation.id, trusted: false,
                    reason: "Continues a response the gateway relayed for another agent"
                )
                return (verdict, [:])
            }
            return (.remembered(continuation, trusted: relayed.trusted), relayed.callNames)
        case .conversation:
            guard let trusted = await conversationTrust(continuation.id, logger: logger) else { return (.unseen(continuation), [:]) }
            return (.remembered(continuation, trusted: trusted), [:])
        }
    }

    private func response(_ id: String, logger: Logger) async -> RelayedResponse? {
        if let cached = state.withLock({ $0.responses[id] }) { return cached }
        do {
            guard let stored = try await health.call({ [store] in try await store.relayedResponse(id: id) }) else { return nil }
            remember(stored)
            return stored
        } catch {
            logger.warning("could not read a relayed response; treated as unseen", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func conversationTrust(_ id: String, logger: Logger) async -> Bool? {
        let now = ContinuousClock.now
        let cached = state.withLock { $0.conversations[id] }
        if let cached, !cached.trusted || now - cached.readAt < Self.trustedConversationTTL { return cached.trusted }
        do {
            let trusted = try await health.call { [store] in try await store.conversationTrust(id: id) }
            if let trusted { cacheConversation(id, trusted: trusted) }
            return trusted
        } catch {
            logger.warning("could not read a conversation's trust; treated as unseen", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Keeps a relayed response here at once (its record reaches the store with the interaction). An id relayed
    /// twice keeps the lesser trust, as the store does.
    func remember(_ response: RelayedResponse) {
        state.withLock { state in
            if let known = state.responses[response.id] {
                state.responses[response.id]?.trusted = known.trusted && response.trusted
                return
            }
            state.responses[response.id] = response
            state.responseOrder.append(response.id)
            if state.responseOrder.count > Self.capacity {
                let evicted = state.responseOrder.count / 10
                for id in state.responseOrder.prefix(evicted) { state.responses[id] = nil }
                state.responseOrder.removeFirst(evicted)
            }
        }
    }

    /// Records a conversation's trust in the store before the reply goes out (once untrusted, always untrusted),
    /// so the next turn on any instance sees it.
    func recordConversation(_ id: String, trusted: Bool, logger: Logger) async {
        if trusted == false, state.withLock({ $0.conversations[id]?.trusted == false }) { return }
        cacheConversation(id, trusted: trusted)
        do {
            let now = clock.now()
            try await health.call { [store] in try await store.recordConversation(id: id, trusted: trusted, at: now) }
        } catch {
            logger.error("could not record a conversation's trust", metadata: ["error": "\(error)"])
        }
    }

    private func cacheConversation(_ id: String, trusted: Bool) {
        state.withLock { state in
            if state.conversations.count >= Self.capacity { state.conversations.removeAll() }
            let known = state.conversations[id]?.trusted ?? true
            state.conversations[id] = (known && trusted, .now)
        }
    }
}
