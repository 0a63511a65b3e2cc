/// The SQLite schema, as ordered migrations; each entry is applied once, in one transaction.
enum SQLiteSchema {
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE agents (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, is_demo INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
            "CREATE INDEX agents_name ON agents (name, created_at)",
            """
            CREATE TABLE tools (
                id TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                name TEXT NOT NULL, parameters TEXT NOT NULL DEFAULT '{}', description TEXT,
                allow_usage_when_untrusted_data_is_present INTEGER NOT NULL DEFAULT 0,
                data_is_trusted_by_default INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (agent_id, name))
            """,
            """
            CREATE TABLE tool_invocation_policies (
                id TEXT PRIMARY KEY, tool_id TEXT NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
                argument_name TEXT NOT NULL, operator TEXT NOT NULL, value TEXT NOT NULL, action TEXT NOT NULL,
                reason TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE trusted_data_policies (
                id TEXT PRIMARY KEY, tool_id TEXT NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
                description TEXT NOT NULL, attribute_path TEXT NOT NULL, operator TEXT NOT NULL, value TEXT NOT NULL,
                action TEXT NOT NULL DEFAULT 'mark_as_trusted', created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE interactions (
                id TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                type TEXT NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL, model TEXT,
                status_code INTEGER NOT NULL, duration_ms REAL NOT NULL, evaluation TEXT NOT NULL,
                created_at TEXT NOT NULL)
            """,
            "CREATE INDEX interactions_agent_created ON interactions (agent_id, created_at)",
            "CREATE INDEX interactions_created ON interactions (created_at)",
            """
            CREATE TABLE dual_llm_config (
                id TEXT PRIMARY KEY, enabled INTEGER NOT NULL DEFAULT 0, main_agent_prompt TEXT NOT NULL,
                quarantined_agent_prompt TEXT NOT NULL, summary_prompt TEXT NOT NULL,
                max_rounds INTEGER NOT NULL DEFAULT 5, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE dual_llm_results (
                id TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                tool_call_id TEXT NOT NULL, conversations TEXT NOT NULL, result TEXT NOT NULL,
                created_at TEXT NOT NULL, UNIQUE (agent_id, tool_call_id))
            """,
        ],
        [
            "ALTER TABLE dual_llm_config ADD COLUMN provider TEXT NOT NULL DEFAULT 'openai'",
            "ALTER TABLE dual_llm_config ADD COLUMN model TEXT NOT NULL DEFAULT 'gpt-4o'",
        ],
        [
            """
            CREATE TABLE relayed_responses (
                id TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                trusted INTEGER NOT NULL, call_names TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL)
            """,
            "CREATE INDEX relayed_responses_created ON relayed_responses (created_at)",
            """
            CREATE TABLE conversations (
                id TEXT PRIMARY KEY, trusted INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
        ],
        [
            """
            CREATE TABLE virtual_keys (
                id TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE, name TEXT NOT NULL,
                prefix TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, last_used_at TEXT,
                expires_at TEXT, revoked_at TEXT)
            """,
            "CREATE INDEX virtual_keys_agent ON virtual_keys (agent_id, created_at)",
            "ALTER TABLE interactions ADD COLUMN user_id TEXT",
            "ALTER TABLE interactions ADD COLUMN session_id TEXT",
            "CREATE INDEX interactions_user ON interactions (user_id, created_at) WHERE user_id IS NOT NULL",
            "CREATE INDEX interactions_session ON interactions (session_id, created_at) WHERE session_id IS NOT NULL",
        ],
        [
            "ALTER TABLE interactions ADD COLUMN tainted INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE interactions ADD COLUMN refused INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE interactions ADD COLUMN summary TEXT",
            "ALTER TABLE interactions ADD COLUMN search_text TEXT",
            "CREATE INDEX interactions_created_id ON interactions (created_at, id)",
            "CREATE INDEX interactions_refused ON interactions (created_at, id) WHERE refused",
            "CREATE INDEX interactions_tainted ON interactions (created_at, id) WHERE tainted",
            """
            CREATE TABLE interaction_rollups (
                bucket TEXT NOT NULL, agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                type TEXT NOT NULL, model TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
                refusals INTEGER NOT NULL DEFAULT 0, tainted INTEGER NOT NULL DEFAULT 0, blocked_results INTEGER NOT NULL DEFAULT 0,
                dual_llm_results INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (bucket, agent_id, type, model))
            """,
            "CREATE INDEX interaction_rollups_agent ON interaction_rollups (agent_id, bucket)",
        ],
        // Usage and cost: each interaction keeps what it used, the rollups add it up, operators' prices override
        // the built-in ones.
        [
            "ALTER TABLE interactions ADD COLUMN token_usage TEXT",
            "ALTER TABLE interaction_rollups ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN cost_nano_usd INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE token_prices (
                id TEXT PRIMARY KEY, model TEXT NOT NULL UNIQUE, input_per_million REAL NOT NULL,
                cached_input_per_million REAL, output_per_million REAL NOT NULL, source TEXT,
                created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """,
        ],
        // Limits: the operator's caps (one per kind and scope; '' is the global scope) and the counters the
        // instances add to and read.
        [
            """
            CREATE TABLE usage_limits (
                id TEXT PRIMARY KEY, scope TEXT NOT NULL, agent_id TEXT REFERENCES agents (id) ON DELETE CASCADE,
                kind TEXT NOT NULL, value REAL NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                UNIQUE (scope, kind))
            """,
            """
            CREATE TABLE limit_counters (
                scope TEXT NOT NULL, kind TEXT NOT NULL, window_start INTEGER NOT NULL, amount INTEGER NOT NULL,
                PRIMARY KEY (scope, kind, window_start))
            """,
        ],
        // Every insert pays for every index: this one is the first column of interactions_created_id.
        [
            "DROP INDEX IF EXISTS interactions_created",
        ],
    ]
}
