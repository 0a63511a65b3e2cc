import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    public func relayedResponse(id: String) async throws -> RelayedResponse? {
        let rows = try await query(
            "SELECT id, agent_id, trusted, call_names::text AS call_names, created_at FROM relayed_responses WHERE id = \(id)"
        )
        return try rows.first.map { row in
            let columns = row.makeRandomAccess()
            return RelayedResponse(
                id: try columns["id"].decode(String.self), agentId: try columns["agent_id"].decode(UUID.self),
                trusted: try columns["trusted"].decode(Bool.self),
                callNames: RelayedResponse.callNames(fromJSON: try columns["call_names"].decode(String.self)),
                createdAt: try columns["created_at"].decode(Date.self)
            )
        }
    }

    public func conversationTrust(id: String) async throws -> Bool? {
        try await query("SELECT trusted FROM conversations WHERE id = \(id)").first?.decode(Bool.self)
    }

    public func recordConversation(id: String, trusted: Bool, at time: Date) async throws {
        try await query(
            """
            INSERT INTO conversations (id, trusted, created_at, updated_at) VALUES (\(id), \(trusted), \(time), \(time))
            ON CONFLICT (id) DO UPDATE SET trusted = conversations.trusted AND EXCLUDED.trusted, updated_at = EXCLUDED.updated_at
            """
        )
    }

    /// The relayed responses of a batch of interactions, in one statement.
    /// One row per id: a statement may not touch a row twice (a provider, or the mock, can repeat an id in one
    /// batch), so repeats are merged here first, keeping the lesser trust as the store would.
    static func relayedResponsesInsert(_ interactions: [Interaction]) -> PostgresQuery? {
        var relayed: [RelayedResponse] = []
        var index: [String: Int] = [:]
        for response in interactions.compactMap(\.relayedResponse) {
            if let known = index[response.id] {
                relayed[known].trusted = relayed[known].trusted && response.trusted
            } else {
                index[response.id] = relayed.count
                relayed.append(response)
            }
        }
        guard !relayed.isEmpty else { return nil }
        var bindings = PostgresBindings(capacity: relayed.count * 5)
        var rows: [String] = []
        for (index, response) in relayed.enumerated() {
            let base = index * 5
            rows.append("($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4)::jsonb, $\(base + 5))")
            bindings.append(response.id)
            bindings.append(response.agentId)
            bindings.append(response.trusted)
            bindings.append(StoredJSON.encode(response.callNamesJSON))
            bindings.append(response.createdAt)
        }
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO relayed_responses (id, agent_id, trusted, call_names, created_at)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (id) DO UPDATE SET trusted = relayed_responses.trusted AND EXCLUDED.trusted
                """,
            binds: bindings
        )
    }
}
