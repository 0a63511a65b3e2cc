import ArchestraStore
import PostgresNIO

extension PostgresStore: ChangeFeed {
    static let changeChannel = "archestra_changes"

    public func publishChange() async {
        do {
            try await query("SELECT pg_notify(\(Self.changeChannel), '')")
        } catch {
            logger.warning("could not announce an admin change to other instances", metadata: ["error": "\(error)"])
        }
    }

    public func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async {
        var backoff = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.changeChannel) { notifications in
                        onChange()
                        backoff = .milliseconds(200)
                        for try await _ in notifications { onChange() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("change listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(10))
        }
    }
}
