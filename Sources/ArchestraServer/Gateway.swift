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
    /// The virtual keys, checked from memory.
    let keys: KeyDirectory
    /// What `/ready` answers; `beginDraining()` starts a graceful shutdown's first phase.
    let readiness: Readiness

    /// Turns `/ready` to 503 (a load balancer stops sending) while requests are still served.
    public func beginDraining() { readiness.beginDraining() }

    /// Waits until startup (migrations, the first loads) is over, at most `timeout`; false when it was not.
    public func waitUntilStarted(timeout: Duration) async -> Bool { await readiness.waitUntilStarted(timeout: timeout) }
}

/// What the gateway takes from outside besides its configuration: time, identity and, for tests, the transport
/// pipeline calls go through.
public struct GatewayDependencies: Sendable {
    var clock: any WallClock
    var ids: any IdentifierSource
    var pipelineTransport: (any UpstreamTransport)?
    /// How often the time each virtual key was last used is written.
    var keyUseFlushInterval: Duration = .seconds(10)
    /// How long the last exchange of usage limit counters at shutdown may take before the shutdown goes on.
    var lastLimitExchangePatience: Duration = .seconds(3)

    /// The real clock and random ids; pipeline calls go to the providers (or the canned replies in mock mode).
    public static var system: GatewayDependencies {
        GatewayDependencies(clock: SystemWallClock(), ids: RandomIdentifierSource(), pipelineTransport: nil)
    }

    /// These dependencies with another clock (an embedding host's, or a test's that controls calendar windows).
    public func with(clock: any WallClock) -> GatewayDependencies {
        var copy = self
        copy.clock = clock
        return copy
    }

    /// These dependencies with last-use times written at another interval (a test's that must see them unwritten).
    public func with(keyUseFlushInterval: Duration) -> GatewayDependencies {
        var copy = self
        copy.keyUseFlushInterval = keyUseFlushInterval
        return copy
    }

    /// These dependencies with more (or less) time for the last exchange of limit counters at shutdown (a test's
    /// that checks that exchange on a machine too busy to finish it in the usual few seconds).
    public func with(lastLimitExchangePatience: Duration) -> GatewayDependencies {
        var copy = self
        copy.lastLimitExchangePatience = lastLimitExchangePatience
        return copy
    }
}

/// The composition root: builds the store, the services and the routes from one configuration.
public func buildGateway(
    config: AppConfig,
    logger: Logger,
    logWriterConfiguration: InteractionLogWriter.Configuration? = nil,
    dependencies: GatewayDependencies = .system,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) async throws -> Gateway {
    let opened = try await StoreFactory.open(config.database, logger: logger)
    let store = opened.store
    let transport = HTTPClientTransport(connectionsPerHost: config.upstreamConnectionsPerHost)
    let metrics = GatewayMetrics(labelLimit: config.stateLimits.maxMetricLabelValues)
    let health = StoreHealth { status in
        metrics.databaseReachable(status.reachable)
        if status.reachable {
            logger.notice("database reachable")
        } else {
            logger.warning("database unreachable: the proxy serves from memory, records wait in the buffer", metadata: ["reason": "\(status.reason ?? "")"])
        }
    }
    metrics.databaseReachable(true)
    let log: InteractionLogWriter
    do {
        var writerConfiguration = logWriterConfiguration ?? config.logWriter.writerConfiguration
        // Responses wait for their records, so the writer does not wait to fill a batch: the records that arrive
        // while one batch is being written form the next (a group commit).
        if config.logWriter.durability == .sync { writerConfiguration.flushInterval = .zero }
        log = try InteractionLogWriter(
            store: store, configuration: writerConfiguration, logger: logger,
            observer: metrics, health: health
        )
    } catch {
        throw ConfigError("ARCHESTRA_LOG_SPILL_DIR cannot be used: \(error)")
    }
    let readiness = Readiness(health: health)
    let clock = dependencies.clock
    let ids = dependencies.ids
    let keys = KeyDirectory(
        store: store, clock: clock, logger: logger, health: health, useFlushInterval: dependencies.keyUseFlushInterval
    )
    let limits = LimitGuard(store: store, logger: logger)
    let pipelineTransport = dependencies.pipelineTransport
        ?? (config.mockMode ? CannedTransport.benchmarkMock(clock: clock) : transport)
    let services = ProxyServices(
        config: config, store: store, transport: transport, pipelineTransport: pipelineTransport,
        agents: AgentDirectory(
            store: store, clock: clock, ids: ids, maxAgents: config.stateLimits.maxAutoAgents,
            onOverflow: { metrics.agentLimitReached() }, health: health
        ),
        tools: ToolCatalog(
            store: store, clock: clock, ids: ids, maxPerAgent: config.stateLimits.maxToolsPerAgent,
            onKeptOut: { metrics.toolsNotRecorded($0) }, health: health
        ),
        policies: PolicyDirectory(store: store, health: health),
        dualLLM: DualLLMSettings(store: store, clock: clock, ids: ids, health: health),
        continuations: ContinuationDirectory(store: store, clock: clock, health: health),
        keys: keys, prices: PriceDirectory(store: store, logger: logger), limits: limits,
        log: log, metrics: metrics, health: health, clock: clock, ids: ids
    )
    let pages = try await UIPages.load()
    let router = buildRouter(services: services, pages: pages, readiness: readiness)
    let listeners: [any Service] = (store as? any ChangeFeed).map { [ChangeListener(feed: $0, services: services)] } ?? []
    var application = Application(
        router: router,
        server: .gatewayHTTP1(),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil, backlog: 4096),
        services: opened.services + [
            transport, log, keys, StoreProbe(store: store, health: health, readiness: readiness),
            RetentionService(store: store, clock: clock, retentionDays: config.retentionDays, logger: logger),
            LimitSync(
                limits: limits, clock: clock, interval: config.limitSyncInterval,
                lastExchangePatience: dependencies.lastLimitExchangePatience, logger: logger
            ),
        ] + listeners + [
            StartupService(
                store: store, readiness: readiness,
                // Loaded (and created on first start) before serving, so the hot path finds them in memory.
                prepare: {
                    _ = try await services.dualLLM.current()
                    try await services.prices.reload()
                    try await services.limits.reload()
                },
                logger: logger
            ),
        ],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
        logger: logger
    )
    return Gateway(application: application, store: store, log: log, keys: keys, readiness: readiness)
}

func buildRouter(services: ProxyServices, pages: UIPages, readiness: Readiness) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ObservabilityMiddleware(metrics: services.metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: StartupGate(readiness: readiness))
    HealthRoutes(readiness: readiness).register(on: router)
    MetricsRoutes(metrics: services.metrics, token: services.config.metricsToken).register(on: router)
    ProviderRoutes(services: services).register(on: router)
    let api = router.group("api").add(middleware: CrossSiteGuard())
    // Authentication first: a caller without the token learns nothing, not even that the database is away.
    if let token = services.config.adminToken { api.add(middleware: AdminAuthMiddleware(token: token)) }
    api.add(middleware: StoreAvailabilityGuard(health: services.health))
    let admin = AdminServices(proxy: services)
    let limit = services.config.maxBodyBytes
    AgentRoutes(admin: admin, bodyLimit: limit).register(on: api)
    ToolRoutes(admin: admin, bodyLimit: limit).register(on: api)
    InteractionRoutes(admin: admin).register(on: api)
    TrustedDataPolicyRoutes(admin: admin, bodyLimit: limit).register(on: api)
    ToolInvocationPolicyRoutes(admin: admin, bodyLimit: limit).register(on: api)
    DualLLMRoutes(admin: admin, bodyLimit: limit).register(on: api)
    KeyRoutes(admin: admin, bodyLimit: limit).register(on: api)
    TokenPriceRoutes(admin: admin, bodyLimit: limit).register(on: api)
    LimitRoutes(admin: admin, bodyLimit: limit).register(on: api)
    UsageRoutes(admin: admin).register(on: api)
    if services.config.webUI {
        let ui = UIContext(renderer: pages.renderer, admin: admin, proxy: services, session: UISession(adminToken: services.config.adminToken))
        UIRoutes(ui: ui, assets: pages.assets).register(on: router)
    }
    return router
}
