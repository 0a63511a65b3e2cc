import ArchestraCore
import ArchestraProviders
import ArchestraStore
import Foundation
import HTTPTypes
import Logging

/// What every proxy route needs, built once by the composition root.
struct ProxyServices: Sendable {
    let config: AppConfig
    let store: any Store
    /// Calls to real providers: pass-through and the Dual LLM.
    let transport: any UpstreamTransport
    /// Where pipeline calls go: the providers, or benchmark mode's canned replies.
    let pipelineTransport: any UpstreamTransport
    let agents: AgentDirectory
    let tools: ToolCatalog
    let policies: PolicyDirectory
    let dualLLM: DualLLMSettings
    let continuations: ContinuationDirectory
    let keys: KeyDirectory
    let prices: PriceDirectory
    let limits: LimitGuard
    let log: InteractionLogWriter
    let metrics: GatewayMetrics
    let health: StoreHealth
    let clock: any WallClock
    let ids: any IdentifierSource

    /// Called after any admin write: forgets every cached agent, tool, policy snapshot and Dual LLM setting, so the
    /// very next proxied request here sees it, and tells the other instances sharing the database to do the same.
    func adminDataChanged() async {
        // Other instances hear of it from the database itself (announced inside the write's transaction).
        invalidateCaches()
        // Prices and limits are read again before the write is answered, so the very next request meets them; if
        // that fails, the background reload `invalidateCaches` started is the second chance.
        try? await prices.reload()
        try? await limits.reload()
    }

    /// Why a new pipeline request must be refused before anything is spent on it: its record could not be kept.
    func admission() -> VendorError? {
        if log.refusesNewRecords {
            metrics.requestRefusedForLog(reason: "log_buffer_full")
            return VendorError(
                kind: .unavailable, status: 503,
                message: "The gateway cannot record more interactions right now (its buffer is full); try again shortly."
            )
        }
        if config.logWriter.durability == .sync, !health.isReachable {
            metrics.requestRefusedForLog(reason: "database_unreachable")
            return VendorError(
                kind: .unavailable, status: 503,
                message: "The gateway's database is unreachable, and every interaction must be stored before it is answered; try again shortly."
            )
        }
        return nil
    }

    /// Forgets every cached agent, tool, policy snapshot and Dual LLM setting, and reads prices and limits again.
    func invalidateCaches() {
        keys.invalidate()
        agents.invalidate()
        tools.invalidate()
        policies.invalidate()
        dualLLM.invalidate()
        prices.invalidate()
        limits.invalidate()
    }

    /// The upstream URL for a path below a provider's base URL (`path` starts with `/`).
    func upstreamURL(_ provider: Provider, path: String, query: String?) -> String {
        let base = config.upstreamBaseURLs[provider]!
        guard let query, !query.isEmpty else { return base + path }
        return base + path + "?" + query
    }

    /// What one provider call used and cost, priced with the prices in force.
    func spend(of tokens: TokenUsage?, report: UsageReport?, model: String) -> CallSpend {
        CallSpend(tokens: tokens, report: report, cost: prices.book.cost(of: report, model: model))
    }

    /// Who is calling a provider route.
    var identity: IdentityResolver { IdentityResolver(keys: keys, agents: agents, config: config) }
}

/// What one provider call reported and cost: the headline counts the token metrics have always shown, every kind
/// of token in the terms prices use, and the cost (nil when unreported or unpriced).
struct CallSpend: Sendable {
    var tokens: TokenUsage?
    var report: UsageReport?
    var cost: USDAmount?

    static let none = CallSpend()
}

/// An interaction being recorded: fixed when the request is accepted, completed with what the client got.
struct InteractionDraft: Sendable {
    let id: UUID
    let agentId: UUID
    let provider: Provider
    let type: String
    let requestJSON: String
    let model: String?
    let arrivedAt: Date
    let timing: ExchangeTiming

    let userId: String?
    let sessionId: String?

    /// Queues the finished record for the batched writer; returns its sequence number there.
    func finish(
        status: Int, responseJSON: String, evaluation: InteractionEvaluation, summary: InteractionSummary, relayed: RelayedResponse?,
        usage: InteractionUsage?, into log: InteractionLogWriter
    ) async -> UInt64 {
        let milliseconds = Double(timing.elapsed.nanoseconds) / 1e6
        return await log.record(
            Interaction(
                id: id, agentId: agentId, type: type, requestJSON: requestJSON, responseJSON: responseJSON, model: model,
                statusCode: status, durationMs: milliseconds, evaluationJSON: JSONWriter.string(evaluation.json),
                createdAt: arrivedAt, userId: userId, sessionId: sessionId, relayedResponse: relayed, summary: summary,
                usage: usage
            )
        )
    }

    /// A provider body as the record keeps it: the JSON itself, or a JSON string when it is not JSON.
    static func recordable(body: [UInt8]) -> String {
        if (try? JSONParser.parse(body)) != nil { return String(decoding: body, as: UTF8.self) }
        return JSONWriter.string(.string(String(decoding: body, as: UTF8.self)))
    }
}
