import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization

/// Resolves the agent of a proxied request from memory; the database is read only on first sight.
///
/// The default agent of a `User-Agent` is created once even when many first requests arrive together: they all
/// wait on one lookup task (and the store makes creation atomic across instances). Clients choose their
/// `User-Agent`, so what they can make the gateway keep is bounded: names are cut to `AgentName.maxLength`, and
/// once `maxAgents` agents exist an unknown name resolves to the fixed overflow agent instead of a new one.
final class AgentDirectory: Sendable {
    private struct Cache {
        var byName: [String: Agent] = [:]
        var byId: [UUID: Agent] = [:]
        var lookups: [String: Task<Agent?, any Error>] = [:]
        /// Names known to have no agent while the limit is reached: answered without a database round trip.
        var overLimit: Set<String> = []
        /// What was known before the last invalidation, used while the database cannot be read (nothing can
        /// change the agents then).
        var staleByName: [String: Agent] = [:]
        var staleById: [UUID: Agent] = [:]
    }

    private let store: any Store
    private let clock: any WallClock
    private let ids: any IdentifierSource
    private let maxAgents: Int
    private let onOverflow: @Sendable () -> Void
    private let cache = Mutex(Cache())
    private let health: StoreHealth?
    /// Agent names by raw `User-Agent`: deriving one walks the header's characters, and a client sends the same
    /// header on every request. Bounded: short headers only, and the table starts afresh when full.
    private let names = Mutex<[String: String]>([:])
    static let nameMemory = 1_024
    static let memorisedHeaderLength = 512

    /// Names kept as over the limit before the set starts afresh (each costs one lookup again).
    static let overLimitMemory = 10_000

    init(
        store: any Store, clock: any WallClock, ids: any IdentifierSource, maxAgents: Int = .max,
        onOverflow: @escaping @Sendable () -> Void = {}, health: StoreHealth? = nil
    ) {
        self.health = health
        self.store = store
        self.clock = clock
        self.ids = ids
        self.maxAgents = maxAgents
        self.onOverflow = onOverflow
    }

    /// The agent named after the client's `User-Agent` (`Default Agent` when it is missing or empty).
    func defaultAgent(userAgent: String?) async throws -> Agent {
        let name = agentName(userAgent: userAgent)
        if let agent = try await lookUp(name, create: true) { return agent }
        onOverflow()
        if let overflow = try await lookUp(Agent.overflowName, create: false) { return overflow }
        return try await overflowAgent()
    }

    /// `AgentName.fromUserAgent`, remembered for the headers clients repeat.
    func agentName(userAgent: String?) -> String {
        guard let userAgent, userAgent.utf8.count <= Self.memorisedHeaderLength else { return AgentName.fromUserAgent(userAgent) }
        if let known = names.withLock({ $0[userAgent] }) { return known }
        let name = AgentName.fromUserAgent(userAgent)
        names.withLock { names in
            if names.count >= Self.nameMemory { names.removeAll(keepingCapacity: true) }
            names[userAgent] = name
        }
        return name
    }

    /// The overflow agent itself is created past the limit: it is the one agent the limit leaves room for.
    private func overflowAgent() async throws -> Agent {
        let now = clock.now()
        let candidate = Agent(id: ids.makeUUID(), name: Agent.overflowName, isDemo: false, createdAt: now, updatedAt: now)
        let agent = try await store.findOrCreateAgent(named: Agent.overflowName, candidate: candidate)
        cache.withLock { cache in
            cache.byName[Agent.overflowName] = agent
            cache.byId[agent.id] = agent
        }
        return agent
    }

    /// The agent with this name from memory, else from the store (created while under the limit when `create`).
    private func lookUp(_ name: String, create: Bool) async throws -> Agent? {
        let (cached, known, task): (Agent?, Bool, Task<Agent?, any Error>?) = cache.withLock { cache in
            if let agent = cache.byName[name] { return (agent, true, nil) }
            if cache.overLimit.contains(name) { return (nil, true, nil) }
            // While the database is known to be away, the agent known before is used, and one the gateway has not
            // met is refused at once rather than after waiting for a connection that will not come.
            if health?.isReachable == false { return (nil, false, nil) }
            if let task = cache.lookups[name] { return (nil, false, task) }
            let task = Task { [store, clock, ids, maxAgents] in
                let now = clock.now()
                let candidate = Agent(id: ids.makeUUID(), name: name, isDemo: false, createdAt: now, updatedAt: now)
                return try await store.findOrCreateAgent(named: name, candidate: candidate, maxAgents: create ? maxAgents : 0)
            }
            cache.lookups[name] = task
            return (nil, false, task)
        }
        if known { return cached }
        guard let task else {
            if let stale = cache.withLock({ $0.staleByName[name] }) { return stale }
            throw NewAgentUnavailable()
        }
        do {
            let agent: Agent?
            do {
                // Bounded only when the agent known before can answer instead; a new one waits for its creation.
                if cache.withLock({ $0.staleByName[name] }) != nil {
                    agent = try await (health ?? StoreHealth()).call { try await task.value }
                } else {
                    agent = try await task.value
                }
            } catch StoreError.unavailable(let reason) {
                guard let stale = cache.withLock({ $0.staleByName[name] }) else { throw StoreError.unavailable(reason) }
                cache.withLock { $0.lookups[name] = nil }
                return stale
            }
            cache.withLock { cache in
                cache.lookups[name] = nil
                if let agent {
                    cache.byName[name] = agent
                    cache.byId[agent.id] = agent
                } else {
                    if cache.overLimit.count >= Self.overLimitMemory { cache.overLimit.removeAll() }
                    cache.overLimit.insert(name)
                }
            }
            return agent
        } catch {
            cache.withLock { $0.lookups[name] = nil }
            throw error
        }
    }

    /// The agent of an agent-scoped route: 400 for a malformed id, 404 for an unknown one.
    func agent(idText: String) async throws -> Agent {
        guard let id = UUID(uuidString: idText) else { throw GatewayError.badRequest("Invalid agent ID: \(idText)") }
        if let agent = cache.withLock({ $0.byId[id] }) { return agent }
        let found: Agent?
        do {
            let hasStale = cache.withLock { $0.staleById[id] != nil }
            if hasStale, health?.isReachable == false { throw StoreError.unavailable("database unreachable") }
            found = hasStale
                ? try await (health ?? StoreHealth()).call { [store] in try await store.agent(id: id) }
                : try await store.agent(id: id)
        } catch StoreError.unavailable(let reason) {
            guard let stale = cache.withLock({ $0.staleById[id] }) else { throw StoreError.unavailable(reason) }
            return stale
        }
        guard let agent = found else { throw GatewayError.notFound("Agent with ID \(idText) not found") }
        cache.withLock { $0.byId[id] = agent }
        return agent
    }

    /// Forgets everything cached; called after any admin write to agents.
    func invalidate() {
        cache.withLock { cache in
            cache.staleByName.merge(cache.byName) { _, newer in newer }
            cache.staleById.merge(cache.byId) { _, newer in newer }
            cache.byName.removeAll()
            cache.byId.removeAll()
            cache.overLimit.removeAll()
        }
    }
}

/// A request from an agent the gateway has not met, while its database is unreachable.
struct NewAgentUnavailable: Error {
    static let message = "The gateway cannot register a new agent while its database is unreachable; agents it already knows are served. Try again shortly."
}
