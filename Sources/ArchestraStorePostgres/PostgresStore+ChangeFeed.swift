import ArchestraStore
import PostgresNIO
import Synchronization

extension PostgresStore: ChangeFeed {
    public func listenForChanges(
        versionCheckInterval: Duration, health: StoreHealth?, _ onChange: @escaping @Sendable () -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen(health: health, onChange) }
            group.addTask { await self.watchVersion(every: versionCheckInterval, onChange) }
            await group.waitForAll()
        }
    }

    /// LISTEN on the change channel, reconnecting with backoff.
    private func listen(health: StoreHealth?, _ onChange: @escaping @Sendable () -> Void) async {
        var backoff = Duration.milliseconds(200)
        while !Task.isCancelled {
            // Only a connection that was listening can be lost: a first attempt that fails (the pool still
            // starting) says nothing about the database.
            var listening = false
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: PostgresSchema.changeChannel) { notifications in
                        listening = true
                        onChange()
                        backoff = .milliseconds(200)
                        for try await _ in notifications { onChange() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                let described = (error as? PSQLError).map(Self.describe) ?? "\(error)"
                if listening {
                    health?.reportFailure(StoreError.unavailable("the change listener lost its connection: \(described)"))
                }
                logger.warning("change listener lost its connection; reconnecting", metadata: ["error": "\(described)"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(10))
        }
    }

    /// The backstop: a notification can be lost (a listener's connection dropped after the commit); the version
    /// number cannot, so a moved version means a change this instance may not have heard of.
    private func watchVersion(every interval: Duration, _ onChange: @escaping @Sendable () -> Void) async {
        // The first reading is taken at once: a change that lands before it would otherwise be the baseline.
        var seen: Int64? = await readVersion()
        var failing = false
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard let version = await readVersion() else {
                // Not a sign of an outage by itself (before the first migration the table is not there yet); the
                // listener's lost connection and the log writer are. Said once per spell, not every interval.
                if !failing { logger.notice("the change-version check could not read the version; retrying") }
                failing = true
                continue
            }
            if failing { logger.notice("the change-version check reads the version again") }
            failing = false
            if seen != version { onChange() }
            seen = version
        }
    }

    private func readVersion() async -> Int64? {
        try? await withPatience(.seconds(3)) { try await self.changeVersion() }
    }

    /// The number every admin change increments.
    public func changeVersion() async throws -> Int64 {
        try await query("SELECT version FROM config_version WHERE id = 1").first?.decode(Int64.self) ?? 0
    }
}
