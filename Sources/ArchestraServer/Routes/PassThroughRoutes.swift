import ArchestraCore
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// Every non-pipeline request under `/v1/{provider}/` goes to the provider as is, and its reply comes back as is.
struct PassThroughRoutes {
    let services: ProxyServices

    func forward(_ request: Request, context: AppRequestContext, provider: Provider, path: String) async throws -> Response {
        let body = try await request.collectBody(limit: services.config.maxBodyBytes)
        let queryHasKey = request.uri.queryParameters["key"] != nil
        let upstreamRequest = UpstreamRequest(
            method: HTTPMethod(rawValue: request.method.rawValue),
            url: services.upstreamURL(provider, path: path, query: request.uri.query),
            headers: HeaderForwarding.upstreamHeaders(
                from: request.headers, provider: provider, serverKey: services.config.serverKeys[provider],
                queryHasKey: queryHasKey, forPipeline: false, requestId: context.requestId
            ),
            body: body.readableBytes > 0 ? body : nil
        )
        let response: HTTPClientResponse
        do {
            response = try await services.upstream.send(upstreamRequest, timeout: services.config.upstreamTimeout)
        } catch let failure as UpstreamFailure {
            throw failure.gatewayError
        }
        let upstreamBody = response.body
        return Response(
            status: .init(code: Int(response.status.code)), headers: HeaderForwarding.clientHeaders(from: response.headers),
            body: ResponseBody { writer in
                for try await chunk in upstreamBody { try await writer.write(chunk) }
                try await writer.finish(nil)
            }
        )
    }
}
