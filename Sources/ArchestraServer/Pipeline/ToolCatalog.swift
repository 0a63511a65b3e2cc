import ArchestraCore
import ArchestraStore
import Foundation
import Logging
import Synchronization

/// Records the tools agents declare. A tool seen before costs a set lookup and no database work.
final class ToolCatalog: Sendable {
    private struct Key: Hashable {
        var agentId: UUID
        var name: String
    }

    private let store: any Store
    private let clock: any WallClock
    private let ids: any IdentifierSource
    private let maxPerAgent: Int
    private let onKeptOut: @Sendable (Int) -> Void
    private let known = Mutex(Set<Key>())
    private let health: StoreHealth?

    init(
        store: any Store, clock: any WallClock, ids: any IdentifierSource, maxPerAgent: Int = .max,
        onKeptOut: @escaping @Sendable (Int) -> Void = { _ in }, health: StoreHealth? = nil
    ) {
        self.health = health
        self.store = store
        self.clock = clock
        self.ids = ids
        self.maxPerAgent = maxPerAgent
        self.onKeptOut = onKeptOut
    }

    /// Stores the declarations this agent has not declared before, while it has fewer than `maxPerAgent` tools
    /// (declarations past the limit are counted, not stored: a tool the agent lacks is judged with no policies and
    /// false flags). A storage failure is logged and retried on the next request rather than failing this one:
    /// recording tools must not take the proxy down.
    func register(_ declarations: [ToolDeclaration], agentId: UUID, logger: Logger) async {
        guard !declarations.isEmpty else { return }
        let fresh: [ToolDeclaration] = known.withLock { known in
            var seen = Set<String>()
            return declarations.filter { declaration in
                !known.contains(Key(agentId: agentId, name: declaration.name)) && seen.insert(declaration.name).inserted
            }
        }
        // While the database is away the tools are not recorded (judging needs only the policies in memory);
        // the agent's next request after it returns records them.
        guard !fresh.isEmpty, health?.isReachable ?? true else { return }
        let now = clock.now()
        let tools = fresh.map { declaration in
            Tool(
                id: ids.makeUUID(), agentId: agentId, name: declaration.name, parameters: declaration.parameters,
                description: declaration.description, allowUsageWhenUntrustedDataIsPresent: false,
                dataIsTrustedByDefault: false, createdAt: now, updatedAt: now
            )
        }
        do {
            let keptOut = try await (health ?? StoreHealth()).call { [store, maxPerAgent] in
                try await store.insertToolsIfAbsent(tools, maxPerAgent: maxPerAgent)
            }
            if keptOut > 0 { onKeptOut(keptOut) }
            known.withLock { known in
                for tool in tools { known.insert(Key(agentId: agentId, name: tool.name)) }
            }
        } catch {
            logger.warning("could not record declared tools", metadata: ["error": "\(error)", "agentId": "\(agentId)"])
        }
    }

    /// Forgets what is known (after an agent is deleted, its tools are gone too).
    func invalidate() {
        known.withLock { $0.removeAll() }
    }
}
