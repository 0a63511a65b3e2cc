import ArchestraCore
import ArchestraProviders
import Foundation
import HTTPTypes
import Hummingbird

/// Who is calling a provider route, and who pays for the provider call.
struct CallerIdentity: Sendable {
    let agent: Agent
    let payer: Payer
    /// The virtual key the request was authenticated with, if any.
    let virtualKey: VirtualKey?
    let userId: String?
    let sessionId: String?
    /// The request's query as it may go upstream: without a virtual key in `key`.
    let upstreamQuery: String?
}

extension HTTPField.Name {
    static let archestraAgentId = Self("x-archestra-agent-id")!
    static let archestraUserId = Self("x-archestra-user-id")!
    static let archestraSessionId = Self("x-archestra-session-id")!
}

/// Resolves the caller of a provider route. The order: a virtual key (wherever the vendor's SDK puts a key) →
/// the URL's agent id → `X-Archestra-Agent-Id` → the default agent of the `User-Agent`, versions removed. A
/// virtual key pays with the server-side key; a client's own key pays for itself; otherwise nobody pays and the
/// provider answers 401 — the server's keys never serve an anonymous request.
struct IdentityResolver: Sendable {
    let keys: KeyDirectory
    let agents: AgentDirectory
    let config: AppConfig

    /// Longest user or session id accepted.
    static let maxLabelLength = 256

    /// Who pays for a request, and the query it may go upstream with; a virtual key must be valid. Enough for a
    /// pass-through request, which belongs to no agent.
    func credentials(_ request: Request, vendor: any Vendor) async throws -> (key: VirtualKey?, payer: Payer, upstreamQuery: String?) {
        let query = request.uri.query
        if let secret = virtualKey(in: request) {
            let key = try await authenticate(secret, vendor: vendor)
            let payer = config.serverKeys[vendor.provider].map { Payer.server(key: $0) } ?? .nobody
            return (key, payer, QueryWithoutKey.remove(from: query))
        }
        if config.requireVirtualKey {
            throw VendorShapedError(VendorError(kind: .authentication, status: 401, message: "A virtual key is required (sk-arch-…)"), vendor: vendor)
        }
        let presented = vendor.presentedKey(in: request.headers, queryKey: request.uri.queryParameters["key"].map(String.init))
        return (nil, presented == nil ? .nobody : .client, query)
    }

    /// The caller of a pipeline request; `agentSegment` is the URL's agent id, if any.
    func resolve(_ request: Request, vendor: any Vendor, agentSegment: String?) async throws -> CallerIdentity {
        let userId = try label(request, .archestraUserId, vendor: vendor)
        let sessionId = try label(request, .archestraSessionId, vendor: vendor)
        let (key, payer, upstreamQuery) = try await credentials(request, vendor: vendor)
        let agent: Agent
        if let key {
            for claimed in [agentSegment, request.headers[.archestraAgentId]].compactMap({ $0 }) where UUID(uuidString: claimed) != key.agentId {
                throw VendorShapedError(
                    VendorError(kind: .permission, status: 403, message: "The virtual key belongs to another agent than \(claimed)"), vendor: vendor
                )
            }
            agent = try await agents.agent(idText: key.agentId.lowercasedString)
        } else {
            agent = try await resolveAgent(request, vendor: vendor, agentSegment: agentSegment)
        }
        return CallerIdentity(agent: agent, payer: payer, virtualKey: key, userId: userId, sessionId: sessionId, upstreamQuery: upstreamQuery)
    }

    private func resolveAgent(_ request: Request, vendor: any Vendor, agentSegment: String?) async throws -> Agent {
        if let agentSegment { return try await agents.agent(idText: agentSegment) }
        if let claimed = request.headers[.archestraAgentId] {
            guard UUID(uuidString: claimed) != nil else {
                throw VendorShapedError(VendorError(kind: .invalidRequest, status: 400, message: "X-Archestra-Agent-Id is not a UUID"), vendor: vendor)
            }
            do {
                return try await agents.agent(idText: claimed)
            } catch let error as GatewayError where error.status == .notFound {
                throw VendorShapedError(VendorError(kind: .notFound, status: 404, message: "Agent with ID \(claimed.lowercased()) not found"), vendor: vendor)
            }
        }
        return try await agents.defaultAgent(userAgent: request.headers[.userAgent])
    }

    /// The first virtual key the request carries, in any place a vendor's SDK puts a key.
    private func virtualKey(in request: Request) -> String? {
        let queryKey = request.uri.queryParameters["key"].map(String.init)
        let locations: [KeyLocation] = [.bearer, .header(.xAPIKey), .header(.xGoogAPIKey), .queryKey]
        for location in locations {
            if let value = KeyLocation.value(at: location, headers: request.headers, queryKey: queryKey), value.hasPrefix(VirtualKey.secretPrefix) {
                return value
            }
        }
        return nil
    }

    private func authenticate(_ secret: String, vendor: any Vendor) async throws -> VirtualKey {
        let message: String
        switch try await keys.resolve(secret) {
        case .valid(let key): return key
        case .malformed: message = "Malformed virtual key"
        case .unknown: message = "Invalid virtual key"
        case .revoked: message = "The virtual key has been revoked"
        case .expired: message = "The virtual key has expired"
        }
        throw VendorShapedError(VendorError(kind: .authentication, status: 401, message: message), vendor: vendor)
    }

    /// A user or session id: at most `maxLabelLength` characters, no control characters.
    private func label(_ request: Request, _ name: HTTPField.Name, vendor: any Vendor) throws -> String? {
        guard let value = request.headers[name] else { return nil }
        guard !value.isEmpty, value.unicodeScalars.count <= Self.maxLabelLength, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw VendorShapedError(
                VendorError(kind: .invalidRequest, status: 400, message: "\(name.rawName) must be 1–\(Self.maxLabelLength) characters without control characters"),
                vendor: vendor
            )
        }
        return value
    }
}

/// Takes a virtual key out of a raw query string (`key=sk-arch-…`), keeping every other parameter as written.
enum QueryWithoutKey {
    static func remove(from query: String?) -> String? {
        guard let query else { return nil }
        let kept = query.split(separator: "&", omittingEmptySubsequences: false).filter { pair in
            !(pair.hasPrefix("key=") && pair.dropFirst(4).removingPercentEncoding?.hasPrefix(VirtualKey.secretPrefix) == true)
        }
        return kept.isEmpty ? nil : kept.joined(separator: "&")
    }
}
