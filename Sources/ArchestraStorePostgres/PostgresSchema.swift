/// The PostgreSQL schema, as ordered migrations; each entry is applied once, in one transaction.
enum PostgresSchema {
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE agents (
                id uuid PRIMARY KEY, name text NOT NULL, is_demo boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)
            """,
            "CREATE INDEX agents_name ON agents (name, created_at)",
            """
            CREATE TABLE tools (
                id uuid PRIMARY KEY, agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                name text NOT NULL, parameters jsonb NOT NULL DEFAULT '{}', description text,
                allow_usage_when_untrusted_data_is_present boolean NOT NULL DEFAULT false,
                data_is_trusted_by_default boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, UNIQUE (agent_id, name))
            """,
            """
            CREATE TABLE tool_invocation_policies (
                id uuid PRIMARY KEY, tool_id uuid NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
                argument_name text NOT NULL, operator text NOT NULL, value text NOT NULL, action text NOT NULL,
                reason text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE trusted_data_policies (
                id uuid PRIMARY KEY, tool_id uuid NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
                description text NOT NULL, attribute_path text NOT NULL, operator text NOT NULL, value text NOT NULL,
                action text NOT NULL DEFAULT 'mark_as_trusted', created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE interactions (
                id uuid PRIMARY KEY, agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                type text NOT NULL, request jsonb NOT NULL, response jsonb NOT NULL, model text,
                status_code integer NOT NULL, duration_ms double precision NOT NULL, evaluation jsonb NOT NULL,
                created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX interactions_agent_created ON interactions (agent_id, created_at)",
            "CREATE INDEX interactions_created ON interactions (created_at)",
            """
            CREATE TABLE dual_llm_config (
                id uuid PRIMARY KEY, enabled boolean NOT NULL DEFAULT false, main_agent_prompt text NOT NULL,
                quarantined_agent_prompt text NOT NULL, summary_prompt text NOT NULL,
                max_rounds integer NOT NULL DEFAULT 5, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE dual_llm_results (
                id uuid PRIMARY KEY, agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                tool_call_id text NOT NULL, conversations jsonb NOT NULL, result text NOT NULL,
                created_at timestamptz NOT NULL, UNIQUE (agent_id, tool_call_id))
            """,
        ],
        [
            "ALTER TABLE dual_llm_config ADD COLUMN provider text NOT NULL DEFAULT 'openai'",
            "ALTER TABLE dual_llm_config ADD COLUMN model text NOT NULL DEFAULT 'gpt-4o'",
        ],
        [
            """
            CREATE TABLE relayed_responses (
                id text PRIMARY KEY, agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                trusted boolean NOT NULL, call_names jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL)
            """,
            "CREATE INDEX relayed_responses_created ON relayed_responses (created_at)",
            """
            CREATE TABLE conversations (
                id text PRIMARY KEY, trusted boolean NOT NULL, created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL)
            """,
        ],
        [
            """
            CREATE TABLE virtual_keys (
                id uuid PRIMARY KEY, agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE, name text NOT NULL,
                prefix text NOT NULL, secret_hash text NOT NULL UNIQUE, created_at timestamptz NOT NULL,
                last_used_at timestamptz, expires_at timestamptz, revoked_at timestamptz)
            """,
            "CREATE INDEX virtual_keys_agent ON virtual_keys (agent_id, created_at)",
            "ALTER TABLE interactions ADD COLUMN user_id text",
            "ALTER TABLE interactions ADD COLUMN session_id text",
            "CREATE INDEX interactions_user ON interactions (user_id, created_at) WHERE user_id IS NOT NULL",
            "CREATE INDEX interactions_session ON interactions (session_id, created_at) WHERE session_id IS NOT NULL",
        ],
        [
            "ALTER TABLE interactions ADD COLUMN tainted boolean NOT NULL DEFAULT false",
            "ALTER TABLE interactions ADD COLUMN refused boolean NOT NULL DEFAULT false",
            "ALTER TABLE interactions ADD COLUMN summary jsonb",
            "ALTER TABLE interactions ADD COLUMN search_text text",
            "CREATE INDEX interactions_created_id ON interactions (created_at, id)",
            "CREATE INDEX interactions_refused ON interactions (created_at, id) WHERE refused",
            "CREATE INDEX interactions_tainted ON interactions (created_at, id) WHERE tainted",
            """
            CREATE TABLE interaction_rollups (
                bucket timestamptz NOT NULL, agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                type text NOT NULL, model text NOT NULL, requests bigint NOT NULL DEFAULT 0, errors bigint NOT NULL DEFAULT 0,
                refusals bigint NOT NULL DEFAULT 0, tainted bigint NOT NULL DEFAULT 0, blocked_results bigint NOT NULL DEFAULT 0,
                dual_llm_results bigint NOT NULL DEFAULT 0, PRIMARY KEY (bucket, agent_id, type, model))
            """,
            "CREATE INDEX interaction_rollups_agent ON interaction_rollups (agent_id, bucket)",
        ],
    ]
}
