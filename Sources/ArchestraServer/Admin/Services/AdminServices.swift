import ArchestraCore
import ArchestraStore
import Foundation

/// The admin side of the gateway: one service per aggregate. Each validates its input, stamps ids and times,
/// writes, and announces the change (in-memory snapshots dropped here, other instances told), so no front end —
/// the JSON API or the web UI — can write around a rule or forget an invalidation.
struct AdminServices: Sendable {
    let agents: AgentService
    let tools: ToolService
    let policies: PolicyService
    let dualLLM: DualLLMService
    let interactions: InteractionService
    let keys: KeyService
    let tokenPrices: TokenPriceService
    let usage: UsageService
    let limits: LimitService

    init(proxy: ProxyServices) {
        let context = AdminContext(store: proxy.store, clock: proxy.clock, ids: proxy.ids, publish: { await proxy.adminDataChanged() })
        agents = AgentService(context: context, directory: proxy.agents)
        tools = ToolService(context: context)
        policies = PolicyService(context: context)
        dualLLM = DualLLMService(context: context, settings: proxy.dualLLM)
        interactions = InteractionService(store: proxy.store)
        keys = KeyService(context: context)
        tokenPrices = TokenPriceService(context: context)
        usage = UsageService(context: context)
        limits = LimitService(context: context)
    }
}

/// What every admin service needs: the store, time, identity, and the change announcement.
struct AdminContext: Sendable {
    let store: any Store
    let clock: any WallClock
    let ids: any IdentifierSource
    /// Drops this instance's snapshots and tells the other instances; called after every successful write.
    let publish: @Sendable () async -> Void
}

/// A field that may be absent from an update (nil leaves the stored value as it is).
typealias Change<T> = T?
