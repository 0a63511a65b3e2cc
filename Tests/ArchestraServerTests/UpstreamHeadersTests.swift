import ArchestraCore
import ArchestraProviders
import HTTPTypes
import Testing

@testable import ArchestraServer

/// Which client headers reach a provider: never the gateway's own `x-archestra-*` headers, never a key the payer
/// does not own, never hop-by-hop headers, and always the validated request id in place of the client's.
@Suite("Upstream headers")
struct UpstreamHeadersTests {
    static func name(_ text: String) -> HTTPField.Name { HTTPField.Name(text)! }

    static let client: HTTPFields = {
        var fields = HTTPFields()
        for (field, value) in [
            ("Authorization", "Bearer sk-client"), ("x-api-key", "ant-client"), ("x-goog-api-key", "gem-client"),
            ("X-Archestra-Agent-Id", "6f1f9b4e-3b7a-4c55-9b1e-2f3a4b5c6d7e"), ("x-archestra-user-id", "u1"), ("X-ARCHESTRA-Session-Id", "s1"),
            ("x-request-id", "forged id"), ("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"), ("Host", "gateway.local"),
            ("Content-Length", "12"), ("Transfer-Encoding", "chunked"), ("TE", "trailers"), ("Upgrade", "h2c"),
            ("Proxy-Authorization", "Basic eA=="), ("Accept-Encoding", "gzip"), ("anthropic-version", "2023-06-01"),
            ("OpenAI-Organization", "org-9"), ("User-Agent", "sdk/1.0"), ("Content-Type", "application/json"),
        ] {
            fields.append(HTTPField(name: name(field), value: value))
        }
        return fields
    }()

    static func names(_ fields: HTTPFields) -> [String] { fields.map { $0.name.canonicalName } }

    @Test("Pipeline call paid by the client: its own vendor's key fields, the validated id, the client's other headers")
    func pipelineClientPays() {
        let out = UpstreamHeaders.forProvider(from: Self.client, vendor: OpenAIVendor(), payer: .client, forPipeline: true, requestId: "rid-1")
        #expect(out[values: .authorization] == ["Bearer sk-client"])
        #expect(out[Self.name("x-api-key")] == nil && out[Self.name("x-goog-api-key")] == nil, "another vendor's key leaked")
        #expect(!Self.names(out).contains { $0.hasPrefix("x-archestra-") })
        #expect(out[values: Self.name("x-request-id")] == ["rid-1"])
        for dropped in ["connection", "keep-alive", "host", "content-length", "transfer-encoding", "te", "upgrade", "proxy-authorization", "accept-encoding"] {
            #expect(!Self.names(out).contains(dropped), "\(dropped) was forwarded")
        }
        for kept in ["anthropic-version", "openai-organization", "user-agent", "content-type"] {
            #expect(Self.names(out).contains(kept), "\(kept) was dropped")
        }
    }

    @Test("Pass-through keeps Accept-Encoding; everything else is withheld the same way")
    func passThroughKeepsEncoding() {
        let out = UpstreamHeaders.forProvider(from: Self.client, vendor: AnthropicVendor(), payer: .client, forPipeline: false, requestId: "rid-2")
        #expect(out[Self.name("accept-encoding")] == "gzip")
        #expect(out[Self.name("x-api-key")] == "ant-client")
        #expect(out[Self.name("x-goog-api-key")] == nil)
        #expect(!Self.names(out).contains { $0.hasPrefix("x-archestra-") || $0 == "host" || $0 == "connection" })
        #expect(out[values: Self.name("x-request-id")] == ["rid-2"])
    }

    @Test("Paid by the server: only the server's key; paid by nobody: no key at all")
    func serverOrNobodyPays() {
        let server = UpstreamHeaders.forProvider(from: Self.client, vendor: GeminiVendor(), payer: .server(key: "gem-srv"), forPipeline: true, requestId: "r")
        #expect(server[values: Self.name("x-goog-api-key")] == ["gem-srv"])
        #expect(server[.authorization] == nil && server[Self.name("x-api-key")] == nil)
        let nobody = UpstreamHeaders.forProvider(from: Self.client, vendor: OpenAIVendor(), payer: .nobody, forPipeline: true, requestId: "r")
        for key in ["authorization", "x-api-key", "x-goog-api-key"] { #expect(!Self.names(nobody).contains(key), "\(key) sent with nobody paying") }
    }

    @Test("Without a request id the client's own is dropped, not passed on")
    func noRequestId() {
        let out = UpstreamHeaders.forProvider(from: Self.client, vendor: OpenAIVendor(), payer: .client, forPipeline: true, requestId: nil)
        #expect(out[Self.name("x-request-id")] == nil)
    }

    @Test("Replies: hop-by-hop and framing headers are dropped, the provider's others kept")
    func forClient() {
        var provider = HTTPFields()
        for (field, value) in [
            ("Content-Type", "application/json"), ("Content-Length", "10"), ("Transfer-Encoding", "chunked"), ("Connection", "close"),
            ("Keep-Alive", "timeout=5"), ("x-request-id", "req_upstream"), ("openai-processing-ms", "12"), ("Retry-After", "7"),
        ] { provider.append(HTTPField(name: Self.name(field), value: value)) }
        let out = UpstreamHeaders.forClient(from: provider)
        #expect(Self.names(out) == ["content-type", "x-request-id", "openai-processing-ms", "retry-after"])
    }
}
