import Foundation

/// The PostgreSQL schema, as ordered migrations; each entry is applied once, in one transaction.
enum PostgresSchema {
    /// The channel admin changes are announced on.
    static let changeChannel = "archestra_changes"
    /// Daily interaction partitions are created this many days ahead.
    static let partitionDaysAhead = 3

    /// `YYYYMMDD` of the UTC day a time falls in, as partition names spell it.
    static func partitionDay(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d%02d%02d", parts.year!, parts.month!, parts.day!)
    }

    /// The day of a partition named `interactions_pYYYYMMDD`; nil for any other name.
    static func day(ofPartition name: String) -> String? {
        let prefix = "interactions_p"
        guard name.hasPrefix(prefix) else { return nil }
        let day = name.dropFirst(prefix.count)
        guard day.count == 8, day.allSatisfy(\.isASCII), day.allSatisfy(\.isNumber) else { return nil }
        return String(day)
    }

    /// The tables the proxy caches, each announcing its changes. Row triggers, so an `INSERT … ON CONFLICT DO
    /// NOTHING` that inserts nothing (a tool seen again) announces nothing; a key's last use is not a change.
    static let changeTriggers: [String] = {
        let tables: [(table: String, events: String)] = [
            ("agents", "INSERT OR UPDATE OR DELETE"), ("tools", "INSERT OR UPDATE OR DELETE"),
            ("tool_invocation_policies", "INSERT OR UPDATE OR DELETE"), ("trusted_data_policies", "INSERT OR UPDATE OR DELETE"),
            ("dual_llm_config", "INSERT OR UPDATE OR DELETE"),
            ("virtual_keys", "INSERT OR DELETE OR UPDATE OF agent_id, name, prefix, secret_hash, expires_at, revoked_at"),
        ]
        return tables.flatMap { entry in
            [
                "CREATE TRIGGER \(entry.table)_changed AFTER \(entry.events) ON \(entry.table) FOR EACH ROW EXECUTE FUNCTION archestra_config_changed()",
                "CREATE TRIGGER \(entry.table)_truncated AFTER TRUNCATE ON \(entry.table) FOR EACH STATEMENT EXECUTE FUNCTION archestra_config_changed()",
            ]
        }
    }()

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
        // Admin changes announce themselves: every write to the tables the proxy caches bumps one version number and
        // notifies listeners inside the writing transaction, so a committed change is always announced (and never
        // one that rolled back), and an instance that missed a notification sees the version move.
        [
            "CREATE TABLE config_version (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
            "INSERT INTO config_version (id, version) VALUES (1, 0)",
            """
            CREATE FUNCTION archestra_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE config_version SET version = version + 1 WHERE id = 1;
                PERFORM pg_notify('\(PostgresSchema.changeChannel)', '');
                RETURN NULL;
            END $$
            """,
        ] + PostgresSchema.changeTriggers,
        // Interactions partitioned by UTC day, so retention drops whole days instead of deleting rows; a default
        // partition takes anything outside the days created ahead, so an insert never fails for want of one.
        [
            "ALTER TABLE interactions RENAME TO interactions_before_partitioning",
            "ALTER TABLE interactions_before_partitioning RENAME CONSTRAINT interactions_pkey TO interactions_before_partitioning_pkey",
            """
            CREATE TABLE interactions (
                id uuid NOT NULL, agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
                type text NOT NULL, request jsonb NOT NULL, response jsonb NOT NULL, model text,
                status_code integer NOT NULL, duration_ms double precision NOT NULL, evaluation jsonb NOT NULL,
                created_at timestamptz NOT NULL, user_id text, session_id text, tainted boolean NOT NULL DEFAULT false,
                refused boolean NOT NULL DEFAULT false, summary jsonb, search_text text,
                PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)
            """,
            "CREATE TABLE interactions_default PARTITION OF interactions DEFAULT",
            """
            CREATE FUNCTION archestra_interaction_partitions(first_day date, last_day date) RETURNS integer
            LANGUAGE plpgsql AS $$
            DECLARE
                day date := first_day;
                created integer := 0;
                partition text;
            BEGIN
                PERFORM pg_advisory_xact_lock(727101);
                WHILE day <= last_day LOOP
                    partition := 'interactions_p' || to_char(day, 'YYYYMMDD');
                    IF to_regclass(partition) IS NULL THEN
                        BEGIN
                            EXECUTE format('CREATE TABLE %I PARTITION OF interactions FOR VALUES FROM (%L) TO (%L)', partition,
                                day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
                            created := created + 1;
                        EXCEPTION WHEN check_violation THEN
                            RAISE WARNING 'interactions for % are in the default partition; that day stays there', day;
                        END;
                    END IF;
                    day := day + 1;
                END LOOP;
                RETURN created;
            END $$
            """,
            """
            SELECT archestra_interaction_partitions(
                COALESCE((SELECT (min(created_at) AT TIME ZONE 'UTC')::date FROM interactions_before_partitioning), (now() AT TIME ZONE 'UTC')::date),
                (now() AT TIME ZONE 'UTC')::date + \(PostgresSchema.partitionDaysAhead))
            """,
            """
            INSERT INTO interactions (id, agent_id, type, request, response, model, status_code, duration_ms, evaluation, created_at,
                user_id, session_id, tainted, refused, summary, search_text)
            SELECT id, agent_id, type, request, response, model, status_code, duration_ms, evaluation, created_at,
                user_id, session_id, tainted, refused, summary, search_text FROM interactions_before_partitioning
            """,
            "DROP TABLE interactions_before_partitioning",
            "CREATE INDEX interactions_id ON interactions (id)",
            "CREATE INDEX interactions_agent_created ON interactions (agent_id, created_at)",
            "CREATE INDEX interactions_created_id ON interactions (created_at, id)",
            "CREATE INDEX interactions_refused ON interactions (created_at, id) WHERE refused",
            "CREATE INDEX interactions_tainted ON interactions (created_at, id) WHERE tainted",
            "CREATE INDEX interactions_user ON interactions (user_id, created_at) WHERE user_id IS NOT NULL",
            "CREATE INDEX interactions_session ON interactions (session_id, created_at) WHERE session_id IS NOT NULL",
        ],
        // Usage and cost: each interaction keeps what it used, the rollups add it up, operators' prices override
        // the built-in ones. Prices are cached by every instance, so their changes are announced like the others.
        [
            "ALTER TABLE interactions ADD COLUMN token_usage jsonb",
            "ALTER TABLE interaction_rollups ADD COLUMN input_tokens bigint NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN output_tokens bigint NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN cached_input_tokens bigint NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN reasoning_tokens bigint NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN cost_nano_usd bigint NOT NULL DEFAULT 0",
            "ALTER TABLE interaction_rollups ADD COLUMN unpriced bigint NOT NULL DEFAULT 0",
            """
            CREATE TABLE token_prices (
                id uuid PRIMARY KEY, model text NOT NULL UNIQUE, input_per_million double precision NOT NULL,
                cached_input_per_million double precision, output_per_million double precision NOT NULL, source text,
                created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)
            """,
            "CREATE TRIGGER token_prices_changed AFTER INSERT OR UPDATE OR DELETE ON token_prices FOR EACH ROW EXECUTE FUNCTION archestra_config_changed()",
            "CREATE TRIGGER token_prices_truncated AFTER TRUNCATE ON token_prices FOR EACH STATEMENT EXECUTE FUNCTION archestra_config_changed()",
        ],
        // Limits: the operator's caps (one per kind and scope; '' is the global scope) and the counters the
        // instances add to and read (not announced: they move all the time and are read on a timer).
        [
            """
            CREATE TABLE usage_limits (
                id uuid PRIMARY KEY, scope text NOT NULL, agent_id uuid REFERENCES agents (id) ON DELETE CASCADE,
                kind text NOT NULL, value double precision NOT NULL, created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL, UNIQUE (scope, kind))
            """,
            "CREATE TRIGGER usage_limits_changed AFTER INSERT OR UPDATE OR DELETE ON usage_limits FOR EACH ROW EXECUTE FUNCTION archestra_config_changed()",
            "CREATE TRIGGER usage_limits_truncated AFTER TRUNCATE ON usage_limits FOR EACH STATEMENT EXECUTE FUNCTION archestra_config_changed()",
            """
            CREATE TABLE limit_counters (
                scope text NOT NULL, kind text NOT NULL, window_start bigint NOT NULL, amount bigint NOT NULL,
                PRIMARY KEY (scope, kind, window_start))
            """,
        ],
        // Every insert pays for every index, and one on a random uuid costs a random page: lookups by id alone use
        // the primary key's first column (id, created_at) as well as this copy of it.
        [
            "DROP INDEX IF EXISTS interactions_id",
        ],
    ]
}
