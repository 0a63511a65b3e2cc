import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization

/// Resolves the agent of a proxied request from memory; the database is read only on first sight.
///
/// The default agent of a `User-Agent` is created once even when many first requests arrive together: they all
/// wait on one creation task (and the store makes creation atomic across instances).
final class AgentDirectory: Sendable {
    private struct Cache {
        var byName: [String: Agent] = [:]
        var byId: [UUID: Agent] = [:]
        var creations: [String: Task<Agent, any Error>] = [:]
    }

    private let store: any Store
    private let clock: any WallClock
    private let ids: any IdentifierSource
    private let cache = Mutex(Cache())

    init(store: any Store, clock: any WallClock, ids: any IdentifierSource) {
        self.store = store
        self.clock = clock
        self.ids = ids
    }

    /// The agent named after the client's `User-Agent` (`Default Agent` when it is missing or empty).
    func defaultAgent(userAgent: String?) async throws -> Agent {
        let name = (userAgent?.isEmpty ?? true) ? Agent.defaultName : userAgent!
        let (cached, task): (Agent?, Task<Agent, any Error>?) = cache.withLock { cache in
            if let agent = cache.byName[name] { return (agent, nil) }
            if let task = cache.creations[name] { return (nil, task) }
            let task = Task { [store, clock, ids] in
                let now = clock.now()
                let candidate = Agent(id: ids.makeUUID(), name: name, isDemo: false, createdAt: now, updatedAt: now)
                return try await store.findOrCreateAgent(named: name, candidate: candidate)
            }
            cache.creations[name] = task
            return (nil, task)
        }
        if let cached { return cached }
        do {
            let agent = try await task!.value
            cache.withLock { cache in
                cache.byName[name] = agent
                cache.byId[agent.id] = agent
                cache.creations[name] = nil
            }
            return agent
        } catch {
            cache.withLock { $0.creations[name] = nil }
            throw error
        }
    }

    /// The agent of an agent-scoped route: 400 for a malformed id, 404 for an unknown one.
    func agent(idText: String) async throws -> Agent {
        guard let id = UUID(uuidString: idText) else { throw GatewayError.badRequest("Invalid agent ID: \(idText)") }
        if let agent = cache.withLock({ $0.byId[id] }) { return agent }
        guard let agent = try await store.agent(id: id) else { throw GatewayError.notFound("Agent with ID \(idText) not found") }
        cache.withLock { $0.byId[id] = agent }
        return agent
    }

    /// Forgets everything cached; called after any admin write to agents.
    func invalidate() {
        cache.withLock { cache in
            cache.byName.removeAll()
            cache.byId.removeAll()
        }
    }
}
