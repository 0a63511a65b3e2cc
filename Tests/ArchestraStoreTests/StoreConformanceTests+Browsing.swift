import ArchestraCore
import ArchestraStore
import Foundation
import Testing

extension StoreConformanceTests {
    static func summarized(
        agentId: UUID, at created: Date, status: Int = 200, duration: Double = 10, refused: Bool = false, tainted: Bool = false,
        user: String = "hello", reply: String = "hi", tool: String = "list_files", blocked: Int = 0, session: String? = nil
    ) -> Interaction {
        var row = makeInteraction(agentId: agentId, at: created, statusCode: status, durationMs: duration)
        row.sessionId = session
        row.summary = InteractionSummary(
            userText: user, replyText: reply, toolCalls: [.init(name: tool, allowed: !refused)], tainted: tainted, refused: refused,
            trustedResults: 0, untrustedResults: tainted ? 1 : 0, blockedResults: blocked, dualLlmResults: 0
        )
        return row
    }

    @Test("Browsing by keyset: every row once, in order, filters and free text", arguments: StoreEngine.allCases)
    func browsing(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha", at: at(0))
            let beta = makeAgent("Beta", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }
            var rows: [Interaction] = []
            for index in 0..<57 {
                rows.append(Self.summarized(
                    agentId: index % 3 == 0 ? beta.id : alpha.id, at: at(Int64(1000 + index / 2)), status: index % 10 == 0 ? 502 : 200,
                    duration: Double(index % 7), refused: index % 4 == 0, tainted: index % 5 == 0,
                    user: index == 42 ? "Send the 100% private_key now" : "question \(index)", tool: index % 2 == 0 ? "send_email" : "get_emails",
                    session: index < 6 ? "s1" : nil
                ))
            }
            try await store.insertInteractions(rows)

            for sort in InteractionSort.allCases {
                var seen: [UUID] = []
                var cursor: InteractionCursor?
                repeat {
                    let page = try await store.browseInteractions(InteractionFilter(), sort: sort, after: cursor, limit: 10)
                    seen += page.rows.map(\.id)
                    cursor = page.next.flatMap { InteractionCursor(token: $0.token) }
                    #expect(page.rows.count <= 10)
                } while cursor != nil
                #expect(seen.count == 57 && Set(seen).count == 57, "\(sort): \(seen.count) rows")
                let expected = rows.sorted { lhs, rhs in
                    let (l, r): ((Double, String), (Double, String))
                    switch sort {
                    case .newest, .oldest: (l, r) = ((Double(lhs.createdAt.wholeMillis), lhs.id.lowercasedString), (Double(rhs.createdAt.wholeMillis), rhs.id.lowercasedString))
                    case .slowest, .fastest: (l, r) = ((lhs.durationMs, lhs.id.lowercasedString), (rhs.durationMs, rhs.id.lowercasedString))
                    }
                    return sort == .newest || sort == .slowest ? l > r : l < r
                }
                #expect(seen == expected.map(\.id), "\(sort) order")
            }

            func ids(_ filter: InteractionFilter) async throws -> Set<UUID> {
                Set(try await store.browseInteractions(filter, limit: 100).rows.map(\.id))
            }
            var filter = InteractionFilter()
            filter.agentId = beta.id
            #expect(try await ids(filter) == Set(rows.filter { $0.agentId == beta.id }.map(\.id)))
            filter = InteractionFilter()
            filter.refusedOnly = true
            filter.taintedOnly = true
            #expect(try await ids(filter) == Set(rows.filter { $0.summary!.refused && $0.summary!.tainted }.map(\.id)))
            filter = InteractionFilter()
            filter.status = 5
            #expect(try await ids(filter) == Set(rows.filter { $0.statusCode >= 500 }.map(\.id)))
            filter.status = 200
            #expect(try await ids(filter) == Set(rows.filter { $0.statusCode == 200 }.map(\.id)))
            filter = InteractionFilter()
            filter.from = at(1010)
            filter.to = at(1012)
            #expect(try await ids(filter) == Set(rows.filter { $0.createdAt >= at(1010) && $0.createdAt < at(1012) }.map(\.id)))
            filter = InteractionFilter()
            filter.search = "100% PRIVATE_key"
            #expect(try await ids(filter) == [rows[42].id], "literal % and _, any case")
            filter.search = "send_email question"
            #expect(try await ids(filter) == Set(rows.enumerated().filter { $0.offset % 2 == 0 && $0.offset != 42 }.map(\.element.id)))
            filter = InteractionFilter()
            filter.sessionId = "s1"
            #expect(try await ids(filter).count == 6)
            #expect(try await store.countInteractions(InteractionFilter()) == 57)
            #expect(try await store.countInteractions(InteractionFilter(), cap: 20) == 20)

            let page = try await store.browseInteractions(filter, limit: 1)
            let first = try #require(page.rows.first)
            #expect(first.agentName == "Beta" || first.agentName == "Alpha")
            #expect(first.summary?.toolCalls.count == 1)
        }
    }

    @Test("Rollups count each batch into its five minutes, agent, type and model", arguments: StoreEngine.allCases)
    func rollups(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let alpha = makeAgent("Alpha", at: at(0))
            let beta = makeAgent("Beta", at: at(1))
            for agent in [alpha, beta] { try await store.insertAgent(agent) }
            let hour: Int64 = 3_600_000
            let base = (at(0).wholeMillis / hour + 1) * hour
            let first = [
                Self.summarized(agentId: alpha.id, at: instant(base + 5), refused: true, tainted: true, blocked: 2),
                Self.summarized(agentId: alpha.id, at: instant(base + 10), status: 502),
                Self.summarized(agentId: beta.id, at: instant(base + hour + 1)),
            ]
            try await store.insertInteractions(first)
            try await store.insertInteractions([Self.summarized(agentId: alpha.id, at: instant(base + 20), tainted: true)])

            let all = try await store.rollups(from: instant(base - hour), to: instant(base + 3 * hour))
            #expect(all.count == 2)
            let alphaHour = try #require(all.first { $0.agentId == alpha.id })
            #expect(alphaHour.bucket.wholeMillis == base)
            let counts: [Int] = [alphaHour.requests, alphaHour.errors, alphaHour.refusals, alphaHour.tainted, alphaHour.blockedResults]
            #expect(counts == [3, 1, 1, 2, 2])
            #expect(alphaHour.type == "openai:chatCompletions" && alphaHour.model == "gpt-4o")
            #expect(try await store.rollups(from: instant(base), to: instant(base + 3 * hour), agentId: beta.id).map(\.requests) == [1])
            #expect(all.total?.requests == 4)

            let overviews = try await store.agentOverviews()
            #expect(overviews.map(\.agent.name) == ["Alpha", "Beta"])
            #expect(overviews.map(\.interactions) == [3, 1])
            #expect(overviews[0].lastSeen?.wholeMillis == base + 20)
            try await store.insertToolsIfAbsent([makeTool(agent: beta, name: "t", at: at(2))])
            #expect(try await store.agentOverviews().map(\.tools) == [0, 1])
        }
    }
}
