import ArchestraCore
import ArchestraStore
import Crypto
import Foundation
import ServiceLifecycle
import Testing

/// Every answered request keeps its record: documents `jsonb` cannot hold read back byte for byte on both engines,
/// and a row the database still refuses is stored in its reduced form and counted.
extension StoreConformanceTests {
    static let unstorableRequest = #"{"model":"gpt-4o","messages":[{"role":"user","content":"nul \u0000 lone \ud800 low \udc00 end"}]}"#
    static let unstorableResponse = #"{"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"echo \u0000\ud800"}}]}"#
    static let unstorableEvaluation =
        #"{"contextIsTrusted":false,"toolResults":[{"toolCallId":"call_\u0000","toolName":"get_\ud800","verdict":"untrusted","reason":"r","dualLlm":false}],"toolCalls":[]}"#

    @Test("NUL and lone-surrogate escapes in request, response and evaluation read back exactly", arguments: StoreEngine.allCases)
    func unstorableEscapesRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Escapes", at: at(0))
            try await store.insertAgent(agent)
            let odd = makeInteraction(
                agentId: agent.id, at: at(1), request: Self.unstorableRequest, response: Self.unstorableResponse,
                evaluation: Self.unstorableEvaluation
            )
            // A client body shaped like the storage wrapper must come back as itself, not as what it "wraps".
            let lookalike = makeInteraction(agentId: agent.id, at: at(2), request: #"{"$archestraRaw":"aGk="}"#)
            let plain = makeInteraction(agentId: agent.id, at: at(3))
            try await store.insertInteractions([odd, lookalike, plain])

            let stored = try #require(try await store.interaction(id: odd.id))
            #expect(stored.requestJSON == Self.unstorableRequest)
            #expect(stored.responseJSON == Self.unstorableResponse)
            #expect(stored.evaluationJSON == Self.unstorableEvaluation)
            #expect(try await store.interaction(id: lookalike.id)?.requestJSON == #"{"$archestraRaw":"aGk="}"#)
            #expect(try await store.interaction(id: plain.id)?.normalized == plain.normalized)

            let listed = try await store.listInteractions(InteractionQuery(limit: 10, ascending: true))
            #expect(listed.rows.map(\.id) == [odd.id, lookalike.id, plain.id])
            #expect(listed.rows.first?.requestJSON == Self.unstorableRequest)
            #expect(listed.rows.first?.evaluationJSON == Self.unstorableEvaluation)
            #expect(listed.rows.dropFirst().first?.requestJSON == #"{"$archestraRaw":"aGk="}"#)
        }
    }

    /// Documents that look like the storage wrapper once the database has normalised them (whitespace, duplicate
    /// keys, escapes), as a provider could send them.
    static let wrapperLookalikes = [
        #"{"$archestraRaw":"aGk="}"#, #"{"$archestraRaw":"aGk="}"# + "\n", #" {"$archestraRaw": "aGk="} "#,
        #"{"$archestraRaw":"eA==","$archestraRaw":"aGk="}"#, #"{"\u0024archestraRaw":"aGk="}"#, #"{"$archestraRaw":"aGk\u003d"}"#,
    ]

    @Test("Documents shaped like the storage wrapper after normalisation read back as themselves", arguments: StoreEngine.allCases)
    func wrapperLookalikesRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Look-alikes", at: at(0))
            try await store.insertAgent(agent)
            let rows = Self.wrapperLookalikes.enumerated().map { index, text in
                makeInteraction(agentId: agent.id, at: at(Int64(index + 1)), response: text)
            }
            try await store.insertInteractions(rows)
            for row in rows {
                let stored = try await store.interaction(id: row.id)?.responseJSON
                #expect(stored == row.responseJSON || (!engine.keepsJSONTextVerbatim && stored.map { canonicalJSON(text: $0) } == canonicalJSON(text: row.responseJSON)),
                    "\(row.responseJSON.debugDescription) read back as \(stored.debugDescription)")
                #expect(stored != "hi", "the document was taken for a wrapper")
            }
        }
    }

    /// Runs a log writer over `store` while `body` runs, then shuts it down gracefully.
    static func withWriter(
        _ store: any Store, observer: RecordingObserver, _ body: (InteractionLogWriter) async throws -> Void
    ) async throws {
        let writer = try InteractionLogWriter(
            store: store, configuration: .init(maxBatchSize: 10, flushInterval: .milliseconds(5), capacity: 100),
            logger: quietLogger, observer: observer
        )
        let group = ServiceGroup(services: [writer], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do { try await body(writer) } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// The reduced note the store must hold in place of `original`.
    static func expectReduced(_ stored: String, original: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let note = try JSONParser.parse(stored)
        let reduced = note[Interaction.reducedKey]
        #expect(note.objectValue?.keys == [Interaction.reducedKey], "\(stored)", sourceLocation: sourceLocation)
        #expect(reduced?["bytes"] == .integer(original.utf8.count), sourceLocation: sourceLocation)
        let digest = SHA256.hash(data: Array(original.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(reduced?["sha256"] == .string(digest), sourceLocation: sourceLocation)
        #expect(reduced?["reason"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
    }

    @Test("A number jsonb cannot hold: stored reduced on PostgreSQL, verbatim on SQLite; never lost", arguments: StoreEngine.allCases)
    func oversizedNumberIsNeverLost(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("Huge numbers", at: at(0))
            try await store.insertAgent(agent)
            let request = #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":1e1000000}"#
            let row = makeInteraction(agentId: agent.id, at: at(1), statusCode: 200, request: request)
            let neighbour = makeInteraction(agentId: agent.id, at: at(2))
            let observer = RecordingObserver()
            try await Self.withWriter(store, observer: observer) { writer in
                await writer.record(row)
                await writer.record(neighbour)
                await writer.flush()
            }
            #expect(observer.failed == 0)
            #expect(try await store.interaction(id: neighbour.id)?.normalized == neighbour.normalized)
            let stored = try #require(try await store.interaction(id: row.id), "the record was lost")
            #expect(stored.statusCode == 200 && stored.agentId == agent.id && stored.model == "gpt-4o")
            #expect(stored.createdAt.wholeMillis == row.createdAt.wholeMillis)
            if engine.keepsJSONTextVerbatim {
                #expect(observer.reduced == 0)
                #expect(stored.requestJSON == request)
            } else {
                #expect(observer.reduced == 1)
                try Self.expectReduced(stored.requestJSON, original: row.requestJSON)
                try Self.expectReduced(stored.responseJSON, original: row.responseJSON)
                try Self.expectReduced(stored.evaluationJSON, original: row.evaluationJSON)
            }
        }
    }

    @Test("PostgreSQL refuses a NUL in the model: the row is stored reduced, counted, and its NUL removed", arguments: [StoreEngine.postgres])
    func nulInModelIsReduced(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let agent = makeAgent("NUL model", at: at(0))
            try await store.insertAgent(agent)
            let row = makeInteraction(
                agentId: agent.id, at: at(1), model: "gpt-4o\u{0}-evil", statusCode: 418, durationMs: 42.25,
                request: Self.unstorableRequest, response: Self.unstorableResponse, evaluation: Self.unstorableEvaluation
            )
            let observer = RecordingObserver()
            try await Self.withWriter(store, observer: observer) { writer in
                await writer.record(row)
                await writer.flush()
            }
            #expect(observer.reduced == 1)
            #expect(observer.failed == 0)
            let stored = try #require(try await store.interaction(id: row.id), "the record was lost")
            #expect(stored.model == "gpt-4o-evil")
            #expect(stored.statusCode == 418 && stored.durationMs == 42.25 && stored.type == row.type && stored.agentId == agent.id)
            try Self.expectReduced(stored.requestJSON, original: Self.unstorableRequest)
            try Self.expectReduced(stored.responseJSON, original: Self.unstorableResponse)
            try Self.expectReduced(stored.evaluationJSON, original: Self.unstorableEvaluation)
        }
    }

    @Test("Interaction.reduced keeps who, when and what came of it, and notes each body's size and SHA-256")
    func reducedForm() throws {
        let row = makeInteraction(agentId: UUID(), at: at(5), model: "m\u{0}x", statusCode: 502, request: #"{"a":"é"}"#)
        let reduced = row.reduced(reason: String(repeating: "r", count: 2_000))
        #expect(reduced.id == row.id && reduced.agentId == row.agentId && reduced.type == row.type)
        #expect(reduced.statusCode == 502 && reduced.durationMs == row.durationMs && reduced.createdAt == row.createdAt)
        #expect(reduced.model == "mx")
        try Self.expectReduced(reduced.requestJSON, original: #"{"a":"é"}"#)
        let reason = try JSONParser.parse(reduced.requestJSON)[Interaction.reducedKey]?["reason"]?.stringValue
        #expect(reason?.count == 500, "the reason is cut, so the note itself stays small")
        #expect(!StoredJSON.needsWrapping(reduced.requestJSON))
    }
}
