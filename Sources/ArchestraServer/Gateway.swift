import ArchestraCore
import ArchestraStore
import ArchestraStorePostgres
import ArchestraStoreSQLite
import Hummingbird
import Logging
import ServiceLifecycle

/// The assembled platform: the Hummingbird application plus the parts tests and commands reach into.
public struct Gateway: Sendable {
    public let application: Application<RouterResponder<AppRequestContext>>
    public let store: any Store
    public let log: InteractionLogWriter
}

/// The composition root: builds the store, the services and the routes from one configuration.
public func buildGateway(
    config: AppConfig,
    logger: Logger,
    logWriterConfiguration: InteractionLogWriter.Configuration = .init(),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) async throws -> Gateway {
    let opened = try await StoreFactory.open(config.database, logger: logger)
    let store = opened.store
    let upstream = AsyncHTTPUpstreamClient()
    let metrics = GatewayMetrics()
    let log = InteractionLogWriter(store: store, configuration: logWriterConfiguration, logger: logger, observer: metrics)
    let clock = SystemWallClock()
    let ids = RandomIdentifierSource()
    let services = ProxyServices(
        config: config, store: store, upstream: upstream,
        agents: AgentDirectory(store: store, clock: clock, ids: ids),
        tools: ToolCatalog(store: store, clock: clock, ids: ids),
        policies: PolicyDirectory(store: store),
        dualLLM: DualLLMSettings(store: store, clock: clock, ids: ids),
        log: log, metrics: metrics, clock: clock, ids: ids
    )
    let router = buildRouter(services: services, store: store)
    let listeners: [any Service] = (store as? any ChangeFeed).map { [ChangeListener(feed: $0, services: services)] } ?? []
    var application = Application(
        router: router,
        server: .gatewayHTTP1(),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil, backlog: 4096),
        services: opened.services + [upstream, log] + listeners,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
        logger: logger
    )
    application.beforeServerStarts {
        try await StoreFactory.migrate(store, timeout: .seconds(10))
        // Loaded (and created on first start) before serving, so the hot path finds it in memory.
        _ = try await services.dualLLM.current()
    }
    return Gateway(application: application, store: store, log: log)
}

func buildRouter(services: ProxyServices, store: any Store) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ObservabilityMiddleware(metrics: services.metrics))
    router.add(middleware: ErrorMiddleware())
    HealthRoutes().register(on: router)
    MetricsRoutes(metrics: services.metrics).register(on: router)
    ProviderRoutes(services: services).register(on: router)
    let api = router.group("api")
    if let token = services.config.adminToken { api.add(middleware: AdminAuthMiddleware(token: token)) }
    AgentRoutes(store: store, services: services).register(on: api)
    ToolRoutes(store: store, services: services).register(on: api)
    InteractionRoutes(store: store).register(on: api)
    TrustedDataPolicyRoutes(store: store, services: services).register(on: api)
    ToolInvocationPolicyRoutes(store: store, services: services).register(on: api)
    DualLLMRoutes(store: store, services: services).register(on: api)
    return router
}
