import ArchestraCore
import ArchestraProviders
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Non-pipeline requests under `/v1/{provider}/` go to the provider as is, and their reply comes back as is.
/// Only writes carry a body: reads and deletes never need one, so none is forwarded with them.
struct PassThroughRoutes {
    let services: ProxyServices

    func forward(_ request: Request, context: AppRequestContext, provider: Provider, path: String) async throws -> Response {
        let carriesBody = request.method == .post || request.method == .put || request.method == .patch
        let body = carriesBody ? try await request.collectBody(limit: services.config.maxBodyBytes) : ByteBuffer()
        let vendor = provider.vendor
        let caller = try await services.identity.credentials(request, vendor: vendor)
        if provider == .openai, request.method == .post, let conversation = Self.conversationReceivingItems(path) {
            // Items added behind the pipeline's back could launder taint: a conversation given tool output this way
            // is untrusted from now on. Recorded before forwarding, so no turn can use the items before the taint.
            let items = (try? JSONParser.parse(body.readableBytesView)) ?? .null
            if !OpenAIResponsesAdapter.conversationItemsKeepTrust(items) {
                await services.continuations.recordConversation(conversation, trusted: false, logger: context.logger)
            }
        }
        let upstreamRequest = UpstreamRequest(
            method: request.method,
            url: services.upstreamURL(provider, path: path, query: caller.upstreamQuery),
            headerFields: UpstreamHeaders.forProvider(
                from: request.headers, vendor: vendor, payer: caller.payer, forPipeline: false, requestId: context.requestId
            ),
            body: body.readableBytes > 0 ? body : nil,
            purpose: .passThrough
        )
        let response: UpstreamResponse
        do {
            response = try await services.transport.send(upstreamRequest, timeout: services.config.upstreamTimeout)
        } catch let failure as UpstreamFailure {
            throw failure.gatewayError
        }
        if provider == .openai, request.method == .post, path == "/conversations", (200..<300).contains(response.status.code) {
            return try await conversationCreated(response, requestBody: body, logger: context.logger)
        }
        let upstreamBody = response.body
        return Response(
            status: response.status, headers: UpstreamHeaders.forClient(from: response.headerFields),
            body: ResponseBody { writer in
                for try await chunk in upstreamBody { try await writer.write(chunk) }
                try await writer.finish(nil)
            }
        )
    }

    /// The conversation id in a write to `/conversations/{id}…` (adding items, or updating it).
    static func conversationReceivingItems(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].isEmpty, parts[1] == "conversations", !parts[2].isEmpty else { return nil }
        return String(parts[2])
    }

    /// A conversation created through the gateway starts trusted when its initial items held no tool output; the
    /// gateway remembers it before the client can use it.
    private func conversationCreated(_ response: UpstreamResponse, requestBody: ByteBuffer, logger: Logger) async throws -> Response {
        let bytes = try await response.body.collect(upTo: services.config.maxUpstreamBodyBytes)
        if let id = (try? JSONParser.parse(bytes.readableBytesView))?["id"]?.stringValue {
            let request = (try? JSONParser.parse(requestBody.readableBytesView)) ?? .null
            await services.continuations.recordConversation(
                id, trusted: OpenAIResponsesAdapter.conversationItemsKeepTrust(request), logger: logger
            )
        }
        return Response(status: response.status, headers: UpstreamHeaders.forClient(from: response.headerFields), body: .init(byteBuffer: bytes))
    }
}
