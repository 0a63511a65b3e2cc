import ArchestraCore
import ArchestraStore
import Foundation
import Testing

/// How one instance hears of another's admin changes: the database's own notification, and the change version
/// for when a notification is lost. Part of the serialized conformance suite: its cases empty the shared test
/// database, which would pull rows from under these.
extension StoreConformanceTests {
    /// Listens on `store` while `body` runs; `heard` counts the calls.
    private func listening(_ store: any Store, every interval: Duration, _ body: (Counter) async throws -> Void) async throws {
        let feed = try #require(store as? any ChangeFeed)
        let heard = Counter()
        let listener = Task { await feed.listenForChanges(versionCheckInterval: interval, health: nil) { heard.increment() } }
        defer { listener.cancel() }
        // The first call comes once the listener is connected.
        #expect(await eventually { heard.current >= 1 })
        try await body(heard)
    }

    @Test("PostgreSQL change feed: a committed change to agents, tools or policies is announced by the database itself")
    func announced() async throws {
        try await withStore(.postgres) { store in
            // A version check slower than any test, so only the notification can be heard.
            try await listening(store, every: .seconds(3_600)) { heard in
                let before = heard.current
                let agent = makeAgent("Announced", at: at(0))
                try await store.insertAgent(agent)
                #expect(await eventually { heard.current > before })
                let afterAgent = heard.current
                try await store.insertToolsIfAbsent([makeTool(agent: agent, name: "send_email", at: at(1))])
                #expect(await eventually { heard.current > afterAgent })
            }
        }
    }

    @Test("PostgreSQL change feed: a change whose notification was lost is still heard through the change version")
    func versionBackstop() async throws {
        try await withStore(.postgres) { store in
            try await listening(store, every: .milliseconds(100)) { heard in
                // Move the version without any notification, as a change committed while this instance's listening
                // connection was being replaced would. The check needs a first reading to compare with, so the
                // version moves until a move is heard (the second at the latest).
                var moves = 0
                var heardIt = false
                while !heardIt, moves < 10 {
                    let before = heard.current
                    _ = try await store.execute(SQLStatement("UPDATE config_version SET version = version + 1 WHERE id = 1"))
                    moves += 1
                    for _ in 0..<100 where !heardIt {
                        heardIt = heard.current > before
                        if !heardIt { try await Task.sleep(for: .milliseconds(10)) }
                    }
                }
                #expect(heardIt, "not heard after \(moves) moves")
            }
        }
    }
}
