import ArchestraCore
import ArchestraProviders
import Foundation

extension ProxyPipeline {
    /// A request over a usage limit: counted, recorded (status 429, with what the context's judgement found) and
    /// answered in the provider's own rate-limit shape, so its SDK raises its usual rate-limit error and waits
    /// `Retry-After` seconds before trying again.
    func refuse(_ exceeded: LimitExceeded, _ exchange: Exchange) async -> any Error {
        services.metrics.limitRejected(agentId: exchange.agent.id, kind: exceeded.limit.kind)
        exchange.logger.notice(
            "request refused by a usage limit",
            metadata: ["limit": "\(exceeded.limit.id.uuidString.lowercased())", "kind": "\(exceeded.limit.kind.rawValue)"]
        )
        let error = VendorShapedError(
            VendorError(kind: .rateLimit, status: 429, message: exceeded.message, code: "archestra_limit_exceeded"),
            vendor: adapter.provider.vendor, headers: [.retryAfter: String(exceeded.retryAfterSeconds)]
        )
        do {
            try await record(exchange, status: 429, responseJSON: String(decoding: error.body, as: UTF8.self))
        } catch {
            return error
        }
        return error
    }
}
