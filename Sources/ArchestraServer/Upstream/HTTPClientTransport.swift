import AsyncHTTPClient
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Provider calls over one shared, pooled AsyncHTTPClient; a service so that shutdown closes its connections.
final class HTTPClientTransport: UpstreamTransport, Service {
    let client: HTTPClient

    init(connectionsPerHost: Int = 256) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // A refused connection is answered 502 at once instead of being retried until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func send(_ request: UpstreamRequest, timeout: Duration) async throws -> UpstreamResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headerFields { outgoing.headers.add(name: field.name.rawName, value: field.value) }
        if let body = request.body { outgoing.body = .bytes(body) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: .nanoseconds(timeout.nanoseconds))
        } catch let error as HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout { throw UpstreamFailure.timedOut }
            if error == .cancelled, Task.isCancelled { throw CancellationError() }
            throw UpstreamFailure.unreachable(Self.describe(error))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw UpstreamFailure.unreachable(Self.describe(error))
        }
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return UpstreamResponse(status: .init(code: Int(response.status.code)), headerFields: fields, body: UpstreamBody(response.body))
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .connectTimeout: "connection timed out"
        case let error as HTTPClientError where error == .remoteConnectionClosed: "connection closed without a response"
        case is NIOConnectionError: "connection refused"
        default: "\(type(of: error))"
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
