import ArchestraCore
import ArchestraProviders
import ArchestraStore
import Foundation

/// The recorded interactions, read only.
struct InteractionService: Sendable {
    let store: any Store

    func list(_ query: InteractionQuery) async throws -> InteractionPage { try await store.listInteractions(query) }

    func get(_ id: UUID) async throws -> Interaction {
        guard let interaction = try await store.interaction(id: id) else { throw Self.notFound(id) }
        return interaction
    }

    /// The tool call ids of the tool results in an interaction's request, read with its endpoint's adapter.
    static func toolCallIds(of interaction: Interaction) -> [String] {
        guard case .object(let body)? = try? JSONParser.parse(interaction.requestJSON) else { return [] }
        let endpoint = Endpoint(rawValue: interaction.type) ?? .openAIChatCompletions
        return endpoint.adapter.toolResults(in: body).map(\.toolCallId)
    }

    static func notFound(_ id: UUID) -> AdminError { .notFound("Interaction with ID \(id.lowercasedString) not found") }
}
