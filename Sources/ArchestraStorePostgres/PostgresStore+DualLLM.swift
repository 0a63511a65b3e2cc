import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    static let configColumns = """
        id, enabled, main_agent_prompt, quarantined_agent_prompt, summary_prompt, max_rounds, provider, model,
        created_at, updated_at
        """
    static let resultColumns = "id, agent_id, tool_call_id, conversations::text AS conversations, result, created_at"

    static func config(from row: PostgresRow) throws -> DualLLMConfig {
        let columns = row.makeRandomAccess()
        guard let provider = Provider(rawValue: try columns["provider"].decode(String.self)) else {
            throw StoreError.corrupt("unknown provider")
        }
        return DualLLMConfig(
            id: try columns["id"].decode(UUID.self), enabled: try columns["enabled"].decode(Bool.self),
            mainAgentPrompt: try columns["main_agent_prompt"].decode(String.self),
            quarantinedAgentPrompt: try columns["quarantined_agent_prompt"].decode(String.self),
            summaryPrompt: try columns["summary_prompt"].decode(String.self),
            maxRounds: Int(try columns["max_rounds"].decode(Int32.self)), provider: provider,
            model: try columns["model"].decode(String.self), createdAt: try columns["created_at"].decode(Date.self),
            updatedAt: try columns["updated_at"].decode(Date.self)
        )
    }

    static func result(from row: PostgresRow) throws -> DualLLMResult {
        let columns = row.makeRandomAccess()
        return DualLLMResult(
            id: try columns["id"].decode(UUID.self), agentId: try columns["agent_id"].decode(UUID.self),
            toolCallId: try columns["tool_call_id"].decode(String.self),
            conversations: DualLLMResult.conversations(fromJSON: try columns["conversations"].decode(String.self)),
            result: try columns["result"].decode(String.self), createdAt: try columns["created_at"].decode(Date.self)
        )
    }

    static func insertQuery(_ config: DualLLMConfig) -> PostgresQuery {
        """
        INSERT INTO dual_llm_config (id, enabled, main_agent_prompt, quarantined_agent_prompt, summary_prompt, max_rounds,
            provider, model, created_at, updated_at)
        VALUES (\(config.id), \(config.enabled), \(config.mainAgentPrompt), \(config.quarantinedAgentPrompt),
            \(config.summaryPrompt), \(Int32(clamping: config.maxRounds)), \(config.provider.rawValue), \(config.model),
            \(config.createdAt), \(config.updatedAt))
        """
    }

    public func listDualLLMConfigs() async throws -> [DualLLMConfig] {
        try await query("SELECT \(unescaped: Self.configColumns) FROM dual_llm_config ORDER BY created_at, id").map(Self.config)
    }

    public func dualLLMConfig(id: UUID) async throws -> DualLLMConfig? {
        try await query("SELECT \(unescaped: Self.configColumns) FROM dual_llm_config WHERE id = \(id)").first.map(Self.config)
    }

    public func defaultDualLLMConfig(candidate: DualLLMConfig) async throws -> DualLLMConfig {
        let logger = self.logger
        return try await transaction { connection in
            // Serialises the first creation across instances sharing the database.
            try await connection.query("SELECT pg_advisory_xact_lock(727101)", logger: logger)
            let existing = try await connection.query(
                "SELECT \(unescaped: Self.configColumns) FROM dual_llm_config ORDER BY created_at, id LIMIT 1", logger: logger
            ).collect()
            if let row = existing.first { return try Self.config(from: row) }
            try await connection.query(Self.insertQuery(candidate), logger: logger)
            return candidate
        }
    }

    public func insertDualLLMConfig(_ config: DualLLMConfig) async throws {
        try await query(Self.insertQuery(config))
    }

    public func updateDualLLMConfig(_ config: DualLLMConfig) async throws -> Bool {
        !(try await query(
            """
            UPDATE dual_llm_config SET enabled = \(config.enabled), main_agent_prompt = \(config.mainAgentPrompt),
                quarantined_agent_prompt = \(config.quarantinedAgentPrompt), summary_prompt = \(config.summaryPrompt),
                max_rounds = \(Int32(clamping: config.maxRounds)), provider = \(config.provider.rawValue),
                model = \(config.model), updated_at = \(config.updatedAt)
            WHERE id = \(config.id) RETURNING id
            """
        )).isEmpty
    }

    public func deleteDualLLMConfig(id: UUID) async throws -> Bool {
        !(try await query("DELETE FROM dual_llm_config WHERE id = \(id) RETURNING id")).isEmpty
    }

    public func dualLLMResult(agentId: UUID, toolCallId: String) async throws -> DualLLMResult? {
        try await query(
            "SELECT \(unescaped: Self.resultColumns) FROM dual_llm_results WHERE agent_id = \(agentId) AND tool_call_id = \(toolCallId)"
        ).first.map(Self.result)
    }

    public func insertDualLLMResult(_ result: DualLLMResult) async throws {
        try await query(
            """
            INSERT INTO dual_llm_results (id, agent_id, tool_call_id, conversations, result, created_at)
            VALUES (\(result.id), \(result.agentId), \(result.toolCallId), \(result.conversationsJSON)::jsonb,
                \(result.result), \(result.createdAt))
            ON CONFLICT (agent_id, tool_call_id) DO NOTHING
            """
        )
    }

    public func listDualLLMResults(agentId: UUID?) async throws -> [DualLLMResult] {
        if let agentId {
            return try await query(
                "SELECT \(unescaped: Self.resultColumns) FROM dual_llm_results WHERE agent_id = \(agentId) ORDER BY created_at DESC, id DESC"
            ).map(Self.result)
        }
        return try await query("SELECT \(unescaped: Self.resultColumns) FROM dual_llm_results ORDER BY created_at DESC, id DESC").map(Self.result)
    }

    public func latestDualLLMResult(toolCallId: String) async throws -> DualLLMResult? {
        try await query(
            "SELECT \(unescaped: Self.resultColumns) FROM dual_llm_results WHERE tool_call_id = \(toolCallId) ORDER BY created_at DESC, id DESC LIMIT 1"
        ).first.map(Self.result)
    }
}
