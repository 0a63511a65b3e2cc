import ArchestraStore
import ServiceLifecycle

/// Drops this instance's cached snapshots whenever another instance announces an admin change.
struct ChangeListener: Service {
    let feed: any ChangeFeed
    let services: ProxyServices

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await feed.listenForChanges(versionCheckInterval: services.config.changeCheckInterval, health: services.health) { [services] in
                services.invalidateCaches()
            }
        }
    }
}
