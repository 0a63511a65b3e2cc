import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension StoreConformanceTests {
    @Test("A relayed response is stored with its interaction; an id relayed again keeps the lesser trust", arguments: StoreEngine.allCases)
    func relayedResponses(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Responder", at: at(0))
            try await store.insertAgent(agent)
            let relayed = RelayedResponse(
                id: "resp_1", agentId: agent.id, trusted: true, callNames: ["call_a": "send_email", "call_ü": "get_emails"],
                createdAt: at(5)
            )
            var first = makeInteraction(agentId: agent.id, at: at(5))
            first.relayedResponse = relayed
            try await store.insertInteractions([first, makeInteraction(agentId: agent.id, at: at(6))])

            #expect(try await store.relayedResponse(id: "resp_1") == relayed)
            #expect(try await store.relayedResponse(id: "resp_unknown") == nil)

            var again = makeInteraction(agentId: agent.id, at: at(7))
            again.relayedResponse = RelayedResponse(id: "resp_1", agentId: agent.id, trusted: false, callNames: [:], createdAt: at(7))
            try await store.insertInteractions([again])
            #expect(try await store.relayedResponse(id: "resp_1")?.trusted == false)
            var third = makeInteraction(agentId: agent.id, at: at(8))
            third.relayedResponse = RelayedResponse(id: "resp_1", agentId: agent.id, trusted: true, callNames: [:], createdAt: at(8))
            try await store.insertInteractions([third])
            #expect(try await store.relayedResponse(id: "resp_1")?.trusted == false, "once untrusted, always untrusted")

            #expect(try await store.deleteAgent(id: agent.id))
            #expect(try await store.relayedResponse(id: "resp_1") == nil, "deleted with its agent")
        }
    }

    @Test("One batch relaying the same response id several times is stored whole, with the lesser trust", arguments: StoreEngine.allCases)
    func repeatedRelayedIdInOneBatch(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Mock", at: at(0))
            try await store.insertAgent(agent)
            // Mock mode answers every request with the same response id; a provider could too.
            let rows = [true, false, true].enumerated().map { offset, trusted in
                var row = makeInteraction(agentId: agent.id, at: at(Int64(offset)))
                row.relayedResponse = RelayedResponse(id: "resp_mock123", agentId: agent.id, trusted: trusted, callNames: [:], createdAt: at(Int64(offset)))
                return row
            }
            try await store.insertInteractions(rows)
            #expect(try await store.listInteractions(InteractionQuery(limit: 10)).total == 3)
            #expect(try await store.relayedResponse(id: "resp_mock123")?.trusted == false)
        }
    }

    @Test("A conversation is unknown until recorded, and once untrusted stays untrusted", arguments: StoreEngine.allCases)
    func conversations(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            #expect(try await store.conversationTrust(id: "conv_1") == nil)
            try await store.recordConversation(id: "conv_1", trusted: true, at: at(0))
            #expect(try await store.conversationTrust(id: "conv_1") == true)
            try await store.recordConversation(id: "conv_1", trusted: false, at: at(1))
            #expect(try await store.conversationTrust(id: "conv_1") == false)
            try await store.recordConversation(id: "conv_1", trusted: true, at: at(2))
            #expect(try await store.conversationTrust(id: "conv_1") == false)
            try await store.recordConversation(id: "conv_'; DROP TABLE conversations; --", trusted: true, at: at(3))
            #expect(try await store.conversationTrust(id: "conv_'; DROP TABLE conversations; --") == true)
            #expect(try await store.conversationTrust(id: "conv_2") == nil)
        }
    }
}
