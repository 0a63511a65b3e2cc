import ArchestraCore
import ArchestraStore
import Foundation
import Synchronization
import Testing

@testable import ArchestraServer

/// The policy snapshots in memory: requests that miss together share one load, and no request is answered by a
/// load that started before the policy change it came after.
@Suite("Policy directory", .timeLimit(.minutes(1)))
struct PolicyDirectoryTests {
    /// A database stand-in: every load is counted, answers with the version of the policies current when it
    /// started (a snapshot whose one tool is named after it), and waits at its gate until the test opens it.
    final class ScriptedLoads: Sendable {
        private struct State {
            var version = 1
            var started = 0
            var gates: [ScenarioReleaseGate] = []
            var failures = 0
        }

        private let state = Mutex(State())

        var started: Int { state.withLock { $0.started } }

        func setVersion(_ version: Int) { state.withLock { $0.version = version } }
        func failNext(_ count: Int) { state.withLock { $0.failures = count } }

        /// Opens the gate of the `index`th load (from 0), whether or not it has started yet.
        func release(_ index: Int) {
            gate(index).release()
        }

        private func gate(_ index: Int) -> ScenarioReleaseGate {
            state.withLock { state in
                while state.gates.count <= index { state.gates.append(ScenarioReleaseGate()) }
                return state.gates[index]
            }
        }

        func load(_ agentId: UUID) async throws -> PolicySnapshot {
            let (index, version, fails) = state.withLock { state in
                defer { state.started += 1; state.failures = max(0, state.failures - 1) }
                return (state.started, state.version, state.failures > 0)
            }
            await gate(index).wait()
            if fails { throw StoreError.unavailable("scripted failure") }
            return PolicySnapshot(tools: ["v\(version)": .init()])
        }

        /// Waits until `count` loads have started, at most about 10 s; a test that never gets there fails on what
        /// it checks next instead of spinning on past its time limit.
        func waitForStarted(_ count: Int) async {
            for _ in 0..<10_000 where started < count && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(1)) }
        }
    }

    static func version(_ snapshot: PolicySnapshot) -> String? { snapshot.tools.keys.first }

    @Test("20 requests that miss together wait on one load and all get its snapshot")
    func concurrentMissesShareOneLoad() async throws {
        let loads = ScriptedLoads()
        let directory = PolicyDirectory { try await loads.load($0) }
        let agent = UUID()
        let versions = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<20 { group.addTask { Self.version(try await directory.snapshot(for: agent)) } }
            await loads.waitForStarted(1)
            loads.release(0)
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(versions == Array(repeating: "v1", count: 20))
        #expect(loads.started == 1)
        // Remembered afterwards: no further load.
        #expect(Self.version(try await directory.snapshot(for: agent)) == "v1")
        #expect(loads.started == 1)
    }

    @Test("a request after a policy change does not join a load that started before it")
    func invalidationStartsAFreshLoad() async throws {
        let loads = ScriptedLoads()
        let directory = PolicyDirectory { try await loads.load($0) }
        let agent = UUID()
        let before = Task { try await directory.snapshot(for: agent) }
        await loads.waitForStarted(1)
        // The admin write lands while the first load is still under way.
        loads.setVersion(2)
        directory.invalidate()
        let after = Task { try await directory.snapshot(for: agent) }
        await loads.waitForStarted(2)
        loads.release(1)
        #expect(Self.version(try await after.value) == "v2")
        loads.release(0)
        #expect(Self.version(try await before.value) == "v1", "the request from before the change gets what it waited for")
        // The late old load did not overwrite the new snapshot.
        #expect(Self.version(try await directory.snapshot(for: agent)) == "v2")
        #expect(loads.started == 2)
    }

    @Test("a failed load is not shared with later requests: they load again")
    func failedLoadIsRetried() async throws {
        let loads = ScriptedLoads()
        loads.failNext(1)
        loads.release(0)
        loads.release(1)
        let directory = PolicyDirectory { try await loads.load($0) }
        let agent = UUID()
        await #expect(throws: StoreError.self) { try await directory.snapshot(for: agent) }
        #expect(Self.version(try await directory.snapshot(for: agent)) == "v1")
        #expect(loads.started == 2)
    }

    @Test("while the database is unreachable the snapshot from before the last change answers, without a load")
    func staleSnapshotDuringAnOutage() async throws {
        let loads = ScriptedLoads()
        loads.release(0)
        let health = StoreHealth()
        let directory = PolicyDirectory(health: health) { try await loads.load($0) }
        let agent = UUID()
        #expect(Self.version(try await directory.snapshot(for: agent)) == "v1")
        directory.invalidate()
        health.reportFailure(StoreError.unavailable("gone"))
        #expect(Self.version(try await directory.snapshot(for: agent)) == "v1")
        #expect(loads.started == 1)
        // An agent never loaded has nothing to fall back on.
        loads.failNext(1)
        loads.release(1)
        await #expect(throws: StoreError.self) { try await directory.snapshot(for: UUID()) }
    }
}
