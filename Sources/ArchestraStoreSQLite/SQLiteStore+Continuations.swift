import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    public func relayedResponse(id: String) async throws -> RelayedResponse? {
        let rows = try await run("SELECT id, agent_id, trusted, call_names, created_at FROM relayed_responses WHERE id = ?", [.text(id)])
        return try rows.first.map { row in
            RelayedResponse(
                id: try row.text("id"), agentId: try row.uuid("agent_id"), trusted: row.flag("trusted"),
                callNames: RelayedResponse.callNames(fromJSON: StoredJSON.decode(try row.text("call_names"))),
                createdAt: try row.date("created_at")
            )
        }
    }

    public func conversationTrust(id: String) async throws -> Bool? {
        try await run("SELECT trusted FROM conversations WHERE id = ?", [.text(id)]).first.map { $0.flag("trusted") }
    }

    public func recordConversation(id: String, trusted: Bool, at time: Date) async throws {
        try await run(
            """
            INSERT INTO conversations (id, trusted, created_at, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET trusted = conversations.trusted AND excluded.trusted, updated_at = excluded.updated_at
            """,
            [.text(id), .flag(trusted), .date(time), .date(time)]
        )
    }

    /// Stores the relayed responses of a batch of interactions, on the batch's connection.
    static func insertRelayedResponses(of interactions: [Interaction], on connection: SQLiteConnection) async throws {
        for response in interactions.compactMap(\.relayedResponse) {
            _ = try await connection.query(
                """
                INSERT INTO relayed_responses (id, agent_id, trusted, call_names, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET trusted = relayed_responses.trusted AND excluded.trusted
                """,
                [.text(response.id), .uuid(response.agentId), .flag(response.trusted), .text(StoredJSON.encode(response.callNamesJSON)), .date(response.createdAt)]
            )
        }
    }
}
