import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    static let interactionColumns = """
        id, agent_id, type, request::text AS request, response::text AS response, model, status_code, duration_ms,
        evaluation::text AS evaluation, created_at, user_id, session_id, token_usage::text AS token_usage
        """

    static func interaction(from row: PostgresRow) throws -> Interaction {
        let columns = row.makeRandomAccess()
        return Interaction(
            id: try columns["id"].decode(UUID.self), agentId: try columns["agent_id"].decode(UUID.self),
            type: try columns["type"].decode(String.self), requestJSON: StoredJSON.decode(try columns["request"].decode(String.self)),
            responseJSON: StoredJSON.decode(try columns["response"].decode(String.self)), model: try columns["model"].decode(String?.self),
            statusCode: Int(try columns["status_code"].decode(Int32.self)),
            durationMs: try columns["duration_ms"].decode(Double.self),
            evaluationJSON: StoredJSON.decode(try columns["evaluation"].decode(String.self)),
            createdAt: try columns["created_at"].decode(Date.self), userId: try columns["user_id"].decode(String?.self),
            sessionId: try columns["session_id"].decode(String?.self),
            usage: Interaction.usage(fromStored: try columns["token_usage"].decode(String?.self))
        )
    }

    /// One multi-row INSERT per batch: a single round trip however many rows.
    public func insertInteractions(_ interactions: [Interaction]) async throws {
        guard !interactions.isEmpty else { return }
        var bindings = PostgresBindings(capacity: interactions.count * 17)
        var rows: [String] = []
        rows.reserveCapacity(interactions.count)
        for (index, row) in interactions.enumerated() {
            let b = index * 17
            rows.append(
                "($\(b + 1), $\(b + 2), $\(b + 3), $\(b + 4)::jsonb, $\(b + 5)::jsonb, $\(b + 6), $\(b + 7), $\(b + 8), $\(b + 9)::jsonb, $\(b + 10), $\(b + 11), $\(b + 12), $\(b + 13), $\(b + 14), $\(b + 15)::jsonb, $\(b + 16), $\(b + 17)::jsonb)"
            )
            bindings.append(row.id)
            bindings.append(row.agentId)
            bindings.append(row.type)
            bindings.append(StoredJSON.encode(row.requestJSON))
            bindings.append(StoredJSON.encode(row.responseJSON))
            bindings.append(row.model)
            bindings.append(Int32(clamping: row.statusCode))
            bindings.append(row.durationMs)
            bindings.append(StoredJSON.encode(row.evaluationJSON))
            bindings.append(row.createdAt)
            bindings.append(row.userId)
            bindings.append(row.sessionId)
            let stored = row.storedSummary
            bindings.append(row.summary?.tainted ?? false)
            bindings.append(row.summary?.refused ?? false)
            bindings.append(stored.json.map(StoredJSON.encode))
            bindings.append(stored.searchText)
            bindings.append(row.storedUsage)
        }
        let sql = """
            INSERT INTO interactions (id, agent_id, type, request, response, model, status_code, duration_ms, evaluation, created_at, user_id, session_id,
                tainted, refused, summary, search_text, token_usage)
            VALUES \(rows.joined(separator: ", ")) ON CONFLICT DO NOTHING RETURNING id
            """
        let insert = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let relayed = Self.relayedResponsesInsert(interactions)
        let logger = self.logger
        try await transaction { connection in
            // Rows already stored (a batch retried after an unclear failure) are skipped, and only the rows
            // inserted now are counted in the rollups.
            var inserted = Set<UUID>()
            for try await id in try await connection.query(insert, logger: logger).decode(UUID.self) { inserted.insert(id) }
            let stored = inserted.count == interactions.count ? interactions : interactions.filter { inserted.contains($0.id) }
            if let relayed { try await connection.query(relayed, logger: logger) }
            if let rollups = InteractionRollup.upsert(InteractionRollup.aggregate(stored)).map(Self.postgresQuery) {
                try await connection.query(rollups, logger: logger)
            }
        }
    }

    public func listInteractions(_ query: InteractionQuery) async throws -> InteractionPage {
        let column: String
        switch query.sortBy {
        case .createdAt: column = "created_at"
        case .agentId: column = "agent_id"
        case .model: column = "model"
        }
        let direction = query.ascending ? "ASC" : "DESC"
        let order = "ORDER BY \(column) \(direction), created_at \(direction), id \(direction)"
        var bindings = PostgresBindings()
        var conditions: [String] = []
        if let agentId = query.agentId { bindings.append(agentId); conditions.append("agent_id = $\(bindings.count)") }
        if let userId = query.userId { bindings.append(userId); conditions.append("user_id = $\(bindings.count)") }
        if let sessionId = query.sessionId { bindings.append(sessionId); conditions.append("session_id = $\(bindings.count)") }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let countQuery = PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM interactions \(filter)", binds: bindings)
        let n = bindings.count
        bindings.append(query.limit)
        bindings.append(query.offset)
        let pageQuery = PostgresQuery(
            unsafeSQL: "SELECT \(Self.interactionColumns) FROM interactions \(filter) \(order) LIMIT $\(n + 1) OFFSET $\(n + 2)",
            binds: bindings
        )
        let rows = try await self.query(pageQuery).map(Self.interaction)
        let total = try await self.query(countQuery).first?.decode(Int.self) ?? 0
        return InteractionPage(rows: rows, total: total)
    }

    public func interaction(id: UUID) async throws -> Interaction? {
        try await query("SELECT \(unescaped: Self.interactionColumns) FROM interactions WHERE id = \(id)").first.map(Self.interaction)
    }
}

extension PostgresStore {
    /// Whole days first: a daily partition that ends before the cutoff is dropped (no row-by-row delete, no bloat);
    /// then, in batches, what is left before the cutoff (the default partition, a partly expired day).
    public func deleteInteractions(before cutoff: Date, limit: Int) async throws -> Int {
        let cutoffDay = PostgresSchema.partitionDay(of: cutoff)
        for row in try await query(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'interactions' AND c.relname LIKE 'interactions_p%' ORDER BY c.relname
            """
        ) {
            let name = try row.decode(String.self)
            // Partition names are `interactions_pYYYYMMDD`, written by the schema; a day before the cutoff's day ends
            // no later than the cutoff.
            guard let day = PostgresSchema.day(ofPartition: name), day < cutoffDay else { continue }
            let count = try await query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(name)")).first?.decode(Int.self) ?? 0
            try await query(PostgresQuery(unsafeSQL: "DROP TABLE \(name)"))
            try await query("DELETE FROM relayed_responses WHERE created_at < \(cutoff)")
            return max(count, 1)
        }
        let deleted = try await query(
            """
            DELETE FROM interactions WHERE (id, created_at) IN (
                SELECT id, created_at FROM interactions WHERE created_at < \(cutoff) LIMIT \(limit)) RETURNING id
            """
        ).count
        try await query(
            "DELETE FROM relayed_responses WHERE id IN (SELECT id FROM relayed_responses WHERE created_at < \(cutoff) LIMIT \(limit))"
        )
        return deleted
    }

    public func prepareInteractionStorage(now: Date) async throws {
        try await query(
            "SELECT archestra_interaction_partitions((\(now)::timestamptz AT TIME ZONE 'UTC')::date, (\(now)::timestamptz AT TIME ZONE 'UTC')::date + \(PostgresSchema.partitionDaysAhead)::int)"
        )
    }
}
