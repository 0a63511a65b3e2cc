import ArchestraCore
import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Which headers cross the gateway, in each direction (§2.3 of the contract).
enum HeaderForwarding {
    /// Never forwarded: hop-by-hop headers and those the HTTP layer writes itself.
    static let dropped: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    /// The client's headers for the provider, with the server-side key added when the client sent none.
    /// `forPipeline` also drops `Accept-Encoding`: the gateway reads pipeline responses, so they must arrive plain.
    static func upstreamHeaders(from fields: HTTPFields, provider: Provider, serverKey: String?, queryHasKey: Bool, forPipeline: Bool, requestId: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for field in fields {
            let name = field.name.canonicalName
            if dropped.contains(name) || (forPipeline && name == "accept-encoding") { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        if let requestId, !headers.contains(name: "x-request-id") { headers.add(name: "x-request-id", value: requestId) }
        if let serverKey, !clientSentKey(headers, provider: provider, queryHasKey: queryHasKey) {
            switch provider {
            case .openai: headers.add(name: "Authorization", value: "Bearer \(serverKey)")
            case .anthropic: headers.add(name: "x-api-key", value: serverKey)
            case .gemini: headers.add(name: "x-goog-api-key", value: serverKey)
            }
        }
        return headers
    }

    static func clientSentKey(_ headers: HTTPHeaders, provider: Provider, queryHasKey: Bool) -> Bool {
        switch provider {
        case .openai: headers.contains(name: "authorization")
        case .anthropic: headers.contains(name: "x-api-key") || headers.contains(name: "authorization")
        case .gemini: headers.contains(name: "x-goog-api-key") || queryHasKey
        }
    }

    /// The provider's response headers for the client.
    static func clientHeaders(from headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers where !dropped.contains(name.lowercased()) {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return fields
    }
}
