import ArchestraCore
import Foundation

/// Why a store operation failed. Engines map their driver errors onto these.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The database could not be reached or refused the operation.
    case unavailable(String)
    /// A value read back could not be decoded (a bug or a foreign write).
    case corrupt(String)
    /// The database is up but refused these rows (a constraint, a value it cannot store): retrying cannot help.
    case rejected(String)

    public var description: String {
        switch self {
        case .unavailable(let detail): "database unavailable: \(detail)"
        case .corrupt(let detail): "unreadable row: \(detail)"
        case .rejected(let detail): "rows refused by the database: \(detail)"
        }
    }
}

/// A tool with the name of the agent it belongs to, as the tools list shows it.
public struct ToolListing: Sendable, Hashable {
    public var tool: Tool
    public var agentName: String

    public init(tool: Tool, agentName: String) {
        self.tool = tool
        self.agentName = agentName
    }
}

/// How to order and window a list of interactions.
public struct InteractionQuery: Sendable, Hashable {
    /// Sortable columns.
    public enum SortKey: String, Sendable, CaseIterable { case createdAt, agentId, model }

    public var agentId: UUID?
    public var userId: String?
    public var sessionId: String?
    public var limit: Int
    public var offset: Int
    public var sortBy: SortKey
    public var ascending: Bool

    public init(
        agentId: UUID? = nil, userId: String? = nil, sessionId: String? = nil, limit: Int = 20, offset: Int = 0,
        sortBy: SortKey = .createdAt, ascending: Bool = false
    ) {
        self.agentId = agentId
        self.userId = userId
        self.sessionId = sessionId
        self.limit = limit
        self.offset = offset
        self.sortBy = sortBy
        self.ascending = ascending
    }
}

/// One page of interactions and the total count matching the filter.
public struct InteractionPage: Sendable {
    public var rows: [Interaction]
    public var total: Int

    public init(rows: [Interaction], total: Int) {
        self.rows = rows
        self.total = total
    }
}

/// Where the log writer puts interaction records: all it needs of a store.
public protocol InteractionSink: Sendable {
    /// Stores a batch of interactions in one round trip where the engine allows it; rows already stored (same id)
    /// are skipped, so a batch may be written again after an insert whose outcome was not known.
    func insertInteractions(_ interactions: [Interaction]) async throws
}

/// The persistence the platform needs; one implementation per database engine, one conformance suite for all.
public protocol Store: PolicyStore, DualLLMStore, ContinuationStore, VirtualKeyStore, InteractionSink, SQLDatabase {
    /// Creates or upgrades the schema; safe to run at every start and from several instances.
    func migrate() async throws

    /// Every agent, oldest first.
    func listAgents() async throws -> [Agent]
    /// The agent with this id.
    func agent(id: UUID) async throws -> Agent?
    /// The oldest agent with exactly this name, created from `candidate` if there is none and fewer than
    /// `maxAgents` agents exist (atomic across instances); nil when it does not exist and may not be created.
    func findOrCreateAgent(named name: String, candidate: Agent, maxAgents: Int) async throws -> Agent?
    /// Stores a new agent.
    func insertAgent(_ agent: Agent) async throws
    /// Overwrites name, flag and update time; false if the agent does not exist.
    func updateAgent(_ agent: Agent) async throws -> Bool
    /// Deletes an agent and everything that belongs to it; false if it did not exist.
    func deleteAgent(id: UUID) async throws -> Bool

    /// Records tools not yet known for their (agent, name), while their agent has fewer than `maxPerAgent` tools;
    /// existing ones stay unchanged. Returns how many new tools the limit kept out.
    @discardableResult
    func insertToolsIfAbsent(_ tools: [Tool], maxPerAgent: Int) async throws -> Int
    /// Tools with their agent's name, newest first, optionally for one agent.
    func listTools(agentId: UUID?) async throws -> [ToolListing]
    /// The tool with this id.
    func tool(id: UUID) async throws -> Tool?
    /// Overwrites the trust flags and update time; false if the tool does not exist.
    func updateToolFlags(_ tool: Tool) async throws -> Bool

    /// A page of interactions.
    func listInteractions(_ query: InteractionQuery) async throws -> InteractionPage
    /// The interaction with this id.
    func interaction(id: UUID) async throws -> Interaction?
    /// Deletes interactions (and the relayed responses stored with them) created before `cutoff`, about `limit`
    /// rows at a time (PostgreSQL drops whole days at once); returns how many went, 0 once none are left.
    func deleteInteractions(before cutoff: Date, limit: Int) async throws -> Int
    /// Gets storage ready for the coming days (PostgreSQL creates the daily partitions ahead of time).
    func prepareInteractionStorage(now: Date) async throws

    /// Releases connections.
    func shutdown() async throws
}

extension Store {
    /// The oldest agent with exactly this name, created from `candidate` if there is none.
    public func findOrCreateAgent(named name: String, candidate: Agent) async throws -> Agent {
        guard let agent = try await findOrCreateAgent(named: name, candidate: candidate, maxAgents: .max) else {
            throw StoreError.corrupt("agent \(name) neither found nor created")
        }
        return agent
    }

    /// Records tools not yet known for their (agent, name); existing ones stay unchanged.
    public func insertToolsIfAbsent(_ tools: [Tool]) async throws {
        try await insertToolsIfAbsent(tools, maxPerAgent: .max)
    }
}

extension Array where Element == Tool {
    /// The tools grouped by agent, agents in order of first appearance, later duplicates of a name dropped.
    public func groupedByAgent() -> [(agentId: UUID, tools: [Tool])] {
        var order: [UUID] = []
        var groups: [UUID: [Tool]] = [:]
        // Bytes, not String equality: the database tells "é" from "e\u{301}", so must this.
        var seen: Set<[UInt8]> = []
        for tool in self where seen.insert([UInt8]("\(tool.agentId)/\(tool.name)".utf8)).inserted {
            if groups[tool.agentId] == nil { order.append(tool.agentId) }
            groups[tool.agentId, default: []].append(tool)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
