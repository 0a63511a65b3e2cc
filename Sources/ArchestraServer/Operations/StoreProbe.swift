import ArchestraStore
import Logging
import ServiceLifecycle

/// Asks the database a trivial question now and then, so readiness notices an outage (and the end of one) even
/// when no request touches the database: every second while it is away, every five while it answers. It starts
/// once the migrations are over (they may hold the database longer than a probe waits). An error counts at once;
/// an answer slower than `timeout` does not count, so a busy machine does not turn the admin API away.
struct StoreProbe: Service {
    let store: any Store
    let health: StoreHealth
    let readiness: Readiness
    var timeout: Duration = .seconds(3)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled, !(await readiness.waitUntilStarted(timeout: .seconds(60))) {
                if case .failed = readiness.phase { return }
            }
            var slowInARow = 0
            while !Task.isCancelled {
                switch await probe() {
                case .answered:
                    slowInARow = 0
                    health.reportSuccess()
                case .failed(let error):
                    slowInARow = 0
                    health.reportFailure(error)
                case .slow:
                    // Only asked again soon: on a machine at full load a slow answer is only slow. A database
                    // that hangs is told apart by the log writer's write timeout, and on PostgreSQL by the change
                    // listener's lost connection.
                    slowInARow += 1
                }
                // A slow answer is asked again soon, so an outage that starts as a hang is known within seconds.
                try? await Task.sleep(for: health.isReachable && slowInARow == 0 ? .seconds(5) : .seconds(1))
            }
        }
    }

    enum Outcome {
        case answered
        case failed(any Error)
        case slow(any Error)
    }

    func probe() async -> Outcome {
        await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    _ = try await store.execute(SQLStatement("SELECT 1"))
                    return .answered
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .slow(StoreError.unavailable("no answer within \(timeout.components.seconds) s"))
            }
            let first = await group.next() ?? .answered
            group.cancelAll()
            return first
        }
    }
}

/// Runs the migrations after the server is up (so `/ready` can say it is starting), loads what the hot path needs
/// in memory, then lets traffic in; a failure stops the process with the reason.
struct StartupService: Service {
    let store: any Store
    let readiness: Readiness
    let prepare: @Sendable () async throws -> Void
    let logger: Logger

    func run() async throws {
        do {
            try await StoreFactory.migrate(store, timeout: .seconds(120))
            try await prepare()
            readiness.started()
        } catch {
            readiness.startupFailed("\(error)")
            throw error
        }
        try? await gracefulShutdown()
    }
}
