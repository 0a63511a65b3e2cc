import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Synchronization

/// The live test client, made to behave like a real HTTP client when the gateway ends a connection: after a
/// response that says `Connection: close` (a 413 does), the next request goes over a new connection.
final class ReconnectingClient: Sendable {
    private let serverPort: Int
    private let current: Mutex<TestClient?>

    init(port: Int) {
        self.serverPort = port
        self.current = Mutex(nil)
    }

    var port: Int? { serverPort }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> LiveResponse {
        let client = current.withLock { current in
            if let client = current { return client }
            let client = TestClient(host: "localhost", port: serverPort, configuration: .init(timeout: .seconds(20)))
            client.connect()
            current = client
            return client
        }
        var headers = headers
        if headers[.connection] == nil { headers[.connection] = "keep-alive" }
        let response = try await client.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: body))
        if response.head.headerFields[.connection]?.lowercased() == "close" {
            current.withLock { $0 = nil }
            try? await client.shutdown()
        }
        return LiveResponse(head: response.head, body: response.body ?? ByteBuffer())
    }

    /// Closes the open connection, if any.
    func shutdown() async {
        let client = current.withLock { current in
            defer { current = nil }
            return current
        }
        try? await client?.shutdown()
    }
}

/// A response from the live gateway.
struct LiveResponse: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer

    var status: HTTPResponse.Status { head.status }
    var headers: HTTPFields { head.headerFields }
}
