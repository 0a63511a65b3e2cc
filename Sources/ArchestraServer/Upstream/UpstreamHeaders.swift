import ArchestraCore
import ArchestraProviders
import HTTPTypes

/// Which headers cross the gateway, in each direction.
enum UpstreamHeaders {
    /// Never forwarded: hop-by-hop headers and those the HTTP layer writes itself.
    static let dropped: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    /// The client's headers for a call to `vendor`: hop-by-hop headers, the gateway's own `X-Archestra-*` headers
    /// and every key header dropped, then the key of whoever pays and the request id added. `forPipeline` also drops
    /// `Accept-Encoding`: the gateway reads pipeline replies, so they must arrive plain.
    static func forProvider(
        from client: HTTPFields, vendor: any Vendor, payer: Payer, forPipeline: Bool, requestId: String?
    ) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(client.count + 2)
        for field in client where !isWithheld(field.name, forPipeline: forPipeline) {
            fields.append(field)
        }
        fields.append(contentsOf: vendor.keyFields(for: payer, clientHeaders: client))
        if let requestId { fields[.xRequestID] = requestId }
        return fields
    }

    private static func isWithheld(_ name: HTTPField.Name, forPipeline: Bool) -> Bool {
        let canonical = name.canonicalName
        // The request id goes out as the gateway validated it, never as the client wrote it.
        if dropped.contains(canonical) || canonical.hasPrefix("x-archestra-") || canonical == "x-request-id" { return true }
        if forPipeline, canonical == "accept-encoding" { return true }
        return KeyLocation.allHeaders.contains(name)
    }

    /// A provider's response headers for the client.
    static func forClient(from provider: HTTPFields) -> HTTPFields {
        var fields = HTTPFields()
        for field in provider where !dropped.contains(field.name.canonicalName) { fields.append(field) }
        return fields
    }
}
