import ArchestraCore
import Foundation

/// What the gateway remembers of conversation state kept at the provider, so a continuation cannot launder
/// taint; part of `Store`. Relayed responses are written with their interaction record (`insertInteractions`).
public protocol ContinuationStore: Sendable {
    /// A reply the gateway relayed, by the provider's id.
    func relayedResponse(id: String) async throws -> RelayedResponse?
    /// Whether a conversation is trusted: nil when the gateway never saw it.
    func conversationTrust(id: String) async throws -> Bool?
    /// Records a conversation's trust; once untrusted it stays untrusted, whatever is recorded later.
    func recordConversation(id: String, trusted: Bool, at time: Date) async throws
}
