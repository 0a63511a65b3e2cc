import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    static let configColumns = """
        id, enabled, main_agent_prompt, quarantined_agent_prompt, summary_prompt, max_rounds, provider, model,
        created_at, updated_at
        """
    static let resultColumns = "id, agent_id, tool_call_id, conversations, result, created_at"

    static func config(from row: SQLiteRow) throws -> DualLLMConfig {
        guard let provider = Provider(rawValue: try row.text("provider")) else { throw StoreError.corrupt("unknown provider") }
        return DualLLMConfig(
            id: try row.uuid("id"), enabled: row.flag("enabled"), mainAgentPrompt: try row.text("main_agent_prompt"),
            quarantinedAgentPrompt: try row.text("quarantined_agent_prompt"), summaryPrompt: try row.text("summary_prompt"),
            maxRounds: row.int("max_rounds"), provider: provider, model: try row.text("model"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }

    static func result(from row: SQLiteRow) throws -> DualLLMResult {
        DualLLMResult(
            id: try row.uuid("id"), agentId: try row.uuid("agent_id"), toolCallId: try row.text("tool_call_id"),
            conversations: DualLLMResult.conversations(fromJSON: try row.text("conversations")),
            result: try row.text("result"), createdAt: try row.date("created_at")
        )
    }

    static func configBinds(_ config: DualLLMConfig) -> [SQLiteData] {
        [
            .flag(config.enabled), .text(config.mainAgentPrompt), .text(config.quarantinedAgentPrompt),
            .text(config.summaryPrompt), .integer(config.maxRounds), .text(config.provider.rawValue), .text(config.model),
        ]
    }

    public func listDualLLMConfigs() async throws -> [DualLLMConfig] {
        try await run("SELECT \(Self.configColumns) FROM dual_llm_config ORDER BY created_at, id").map(Self.config)
    }

    public func dualLLMConfig(id: UUID) async throws -> DualLLMConfig? {
        try await run("SELECT \(Self.configColumns) FROM dual_llm_config WHERE id = ?", [.uuid(id)]).first.map(Self.config)
    }

    public func defaultDualLLMConfig(candidate: DualLLMConfig) async throws -> DualLLMConfig {
        try await transaction { connection in
            if let row = try await connection.query("SELECT \(Self.configColumns) FROM dual_llm_config ORDER BY created_at, id LIMIT 1").first {
                return try Self.config(from: row)
            }
            try await Self.insert(candidate, on: connection)
            return candidate
        }
    }

    private static func insert(_ config: DualLLMConfig, on connection: SQLiteConnection) async throws {
        _ = try await connection.query(
            """
            INSERT INTO dual_llm_config (enabled, main_agent_prompt, quarantined_agent_prompt, summary_prompt, max_rounds,
                provider, model, id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            configBinds(config) + [.uuid(config.id), .date(config.createdAt), .date(config.updatedAt)]
        )
    }

    public func insertDualLLMConfig(_ config: DualLLMConfig) async throws {
        try await lock.withLock { try await Self.insert(config, on: self.connection) }
    }

    public func updateDualLLMConfig(_ config: DualLLMConfig) async throws -> Bool {
        !(try await run(
            """
            UPDATE dual_llm_config SET enabled = ?, main_agent_prompt = ?, quarantined_agent_prompt = ?, summary_prompt = ?,
                max_rounds = ?, provider = ?, model = ?, updated_at = ? WHERE id = ? RETURNING id
            """,
            Self.configBinds(config) + [.date(config.updatedAt), .uuid(config.id)]
        )).isEmpty
    }

    public func deleteDualLLMConfig(id: UUID) async throws -> Bool {
        !(try await run("DELETE FROM dual_llm_config WHERE id = ? RETURNING id", [.uuid(id)])).isEmpty
    }

    public func dualLLMResult(agentId: UUID, toolCallId: String) async throws -> DualLLMResult? {
        try await run(
            "SELECT \(Self.resultColumns) FROM dual_llm_results WHERE agent_id = ? AND tool_call_id = ?",
            [.uuid(agentId), .text(toolCallId)]
        ).first.map(Self.result)
    }

    public func insertDualLLMResult(_ result: DualLLMResult) async throws {
        try await run(
            """
            INSERT INTO dual_llm_results (id, agent_id, tool_call_id, conversations, result, created_at)
            VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, tool_call_id) DO NOTHING
            """,
            [.uuid(result.id), .uuid(result.agentId), .text(result.toolCallId), .text(result.conversationsJSON),
             .text(result.result), .date(result.createdAt)]
        )
    }

    public func listDualLLMResults(agentId: UUID?) async throws -> [DualLLMResult] {
        if let agentId {
            return try await run(
                "SELECT \(Self.resultColumns) FROM dual_llm_results WHERE agent_id = ? ORDER BY created_at DESC, id DESC", [.uuid(agentId)]
            ).map(Self.result)
        }
        return try await run("SELECT \(Self.resultColumns) FROM dual_llm_results ORDER BY created_at DESC, id DESC").map(Self.result)
    }

    public func latestDualLLMResult(toolCallId: String) async throws -> DualLLMResult? {
        try await run(
            "SELECT \(Self.resultColumns) FROM dual_llm_results WHERE tool_call_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            [.text(toolCallId)]
        ).first.map(Self.result)
    }
}
