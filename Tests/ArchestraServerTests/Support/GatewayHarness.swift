import ArchestraCore
import ArchestraServer
import ArchestraStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A running gateway under test: the app, its store and a client bound to its live socket.
struct LiveGateway: Sendable {
    let gateway: Gateway
    let client: ReconnectingClient
    let port: Int

    /// Base URL of the live server, for clients other than the HummingbirdTesting one.
    var baseURL: String { "http://localhost:\(port)" }

    /// Sends a request; `body` is sent as is.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil
    ) async throws -> LiveResponse {
        try await client.executeRequest(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        )
    }

    /// Sends JSON to the admin API (or anywhere), `Content-Type: application/json` set.
    @discardableResult
    func sendJSON(_ method: HTTPRequest.Method, _ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> LiveResponse {
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await send(method, uri, headers: headers, body: body)
    }

    /// GETs a JSON document, expecting 200.
    func getJSON(_ uri: String, headers: HTTPFields = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let response = try await send(.get, uri, headers: headers)
        #expect(response.status == .ok, "GET \(uri) → \(response.status): \(response.bodyText)", sourceLocation: sourceLocation)
        return try response.json()
    }

    /// Creates an agent through the admin API.
    func createAgent(_ name: String, headers: HTTPFields = [:]) async throws -> JSONValue {
        let response = try await sendJSON(.post, "/api/agents", JSONWriter.string(["name": .string(name)]), headers: headers)
        #expect(response.status == .ok)
        return try response.json()
    }

    /// Creates an agent and a virtual key for it; returns the key's secret.
    func createVirtualKey(agent name: String) async throws -> String {
        let agent = try await createAgent(name)
        let id = try #require(agent["id"]?.stringValue)
        let response = try await sendJSON(.post, "/api/keys", JSONWriter.string(["agentId": .string(id), "name": "tests"]), headers: adminHeaders)
        #expect(response.status == .ok || response.status == .created, "\(response.bodyText)")
        return try #require(try response.json()["secret"]?.stringValue)
    }

    /// Waits until the admin API lists at least `count` interactions (of `agentId`, if given) and returns them,
    /// newest first. Fails after `timeout`.
    func waitForInteractions(
        count: Int, agentId: String? = nil, timeout: Duration = .seconds(5),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [JSONValue] {
        var uri = "/api/interactions?limit=100"
        if let agentId { uri += "&agentId=\(agentId)" }
        let deadline = ContinuousClock.now + timeout
        var last: [JSONValue] = []
        while true {
            await gateway.log.flush()
            let page = try await getJSON(uri, headers: adminHeaders)
            last = page["data"]?.arrayValue ?? []
            if last.count >= count { return last }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("expected \(count) interactions, found \(last.count) after \(timeout)", sourceLocation: sourceLocation)
        return last
    }

    /// The single interaction recorded so far (waits for it), or fails.
    func onlyInteraction(agentId: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let rows = try await waitForInteractions(count: 1, agentId: agentId, sourceLocation: sourceLocation)
        #expect(rows.count == 1, "expected exactly one interaction, got \(rows.count)", sourceLocation: sourceLocation)
        return try #require(rows.first, sourceLocation: sourceLocation)
    }

    /// Headers for the admin API when the gateway was started with an admin token.
    var adminHeaders: HTTPFields {
        guard let token = adminToken else { return [:] }
        return [.authorization: "Bearer \(token)"]
    }

    var adminToken: String? = nil
}

extension LiveResponse {
    var bodyText: String { String(buffer: body) }
    var bodyBytes: [UInt8] { Array(body.readableBytesView) }

    /// The body parsed as JSON (fails the test when it is not JSON).
    func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        do {
            return try JSONParser.parse(body.readableBytesView)
        } catch {
            Issue.record("body is not JSON: \(bodyText)", sourceLocation: sourceLocation)
            throw error
        }
    }
}

/// Settings every test starts from: in-memory SQLite, an ephemeral port, small timeouts, no real provider.
func testEnvironment(upstream: FakeUpstream?, _ overrides: [String: String]) -> [String: String] {
    let nowhere = "http://127.0.0.1:\(closedPort)"
    var environment = [
        "DATABASE_URL": "sqlite::memory:",
        "ARCHESTRA_HOST": "127.0.0.1",
        "ARCHESTRA_PORT": "0",
        "ARCHESTRA_OPENAI_BASE_URL": upstream?.baseURL ?? nowhere,
        "ARCHESTRA_ANTHROPIC_BASE_URL": nowhere,
        "ARCHESTRA_GEMINI_BASE_URL": nowhere,
        "ARCHESTRA_UPSTREAM_TIMEOUT_SECONDS": "5",
    ]
    environment.merge(overrides) { _, new in new }
    return environment
}

/// A logger that drops everything (the default for tests).
let quietLogger = Logger(label: "archestra-test") { _ in SwiftLogNoOpLogHandler() }

/// Builds the gateway from an environment dictionary, serves it on a live socket for the duration of `body`, then
/// shuts it down gracefully (the log writer drains before this returns).
func withGateway(
    upstream: FakeUpstream? = nil,
    environment overrides: [String: String] = [:],
    logger: Logger = quietLogger,
    logWriter: InteractionLogWriter.Configuration = .init(maxBatchSize: 100, flushInterval: .milliseconds(5), capacity: 1000),
    clock: (any WallClock)? = nil,
    dependencies: GatewayDependencies = .system,
    _ body: @Sendable (LiveGateway) async throws -> Void
) async throws {
    let environment = testEnvironment(upstream: upstream, overrides)
    let config = try AppConfig.parse(environment: environment)
    let gateway = try await buildGateway(
        config: config, logger: logger, logWriterConfiguration: logWriter,
        dependencies: clock.map { dependencies.with(clock: $0) } ?? dependencies
    )
    // A failing test body must still end in a graceful shutdown: an error escaping `test(.live)` cancels the
    // application instead, which is not the path under test (and leaves the SQLite connection open).
    let failure: (any Error)? = try await gateway.application.test(.live) { client in
        guard let port = client.port else { return HarnessError.noPort }
        // Tests are about serving: a start slowed by the suites running beside it must not eat into the time their
        // requests are given.
        guard await gateway.waitUntilStarted(timeout: .seconds(60)) else { return HarnessError.notStarted }
        let reconnecting = ReconnectingClient(port: port)
        var live = LiveGateway(gateway: gateway, client: reconnecting, port: port)
        live.adminToken = environment["ARCHESTRA_ADMIN_TOKEN"]
        do {
            try await body(live)
            await reconnecting.shutdown()
            return nil
        } catch {
            await reconnecting.shutdown()
            return error
        }
    }
    if let failure { throw failure }
}

/// The PostgreSQL database for tests that run gateways on it: its own when the test command made one (the store
/// suite empties the shared one between its cases), else the shared one.
var gatewayPostgresURL: String? {
    let environment = ProcessInfo.processInfo.environment
    return environment["ARCHESTRA_TEST_GATEWAY_POSTGRES_URL"] ?? environment["ARCHESTRA_TEST_POSTGRES_URL"]
}

/// Failures of the test harness itself.
enum HarnessError: Error {
    /// The live test framework did not report the server's port.
    case noPort
    /// The gateway did not finish starting.
    case notStarted
}

/// Runs a fake provider and a gateway pointed at it.
func withUpstreamAndGateway(
    environment: [String: String] = [:],
    logger: Logger = quietLogger,
    dependencies: GatewayDependencies = .system,
    _ body: @Sendable (FakeUpstream, LiveGateway) async throws -> Void
) async throws {
    try await FakeUpstream.with { fake in
        try await withGateway(upstream: fake, environment: environment, logger: logger, dependencies: dependencies) { live in
            try await body(fake, live)
        }
    }
}

/// A TCP port on 127.0.0.1 that refuses connections for the whole test run: a socket is bound to it and never
/// listens, so connecting is refused and no other test's server can be given the same port.
let closedPort: Int = {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(descriptor >= 0, "socket() failed")
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
        }
    }
    precondition(bound, "could not reserve a port")
    return Int(UInt16(bigEndian: address.sin_port))
}()

/// JSON equality that ignores member order and compares numbers by value.
func sameJSON(_ lhs: JSONValue?, _ rhs: JSONValue?) -> Bool {
    switch (lhs, rhs) {
    case (nil, nil): return true
    case (.null?, .null?): return true
    case (.bool(let a)?, .bool(let b)?): return a == b
    case (.number(let a)?, .number(let b)?): return Double(a) == Double(b)
    case (.string(let a)?, .string(let b)?): return a == b
    case (.array(let a)?, .array(let b)?): return a.count == b.count && zip(a, b).allSatisfy { sameJSON($0, $1) }
    case (.object(let a)?, .object(let b)?):
        let aKeys = Set(a.keys), bKeys = Set(b.keys)
        return aKeys == bKeys && a.keys.count == aKeys.count && aKeys.allSatisfy { sameJSON(a[$0], b[$0]) }
    default: return false
    }
}

/// Parses JSON text written in a test.
func json(_ text: String) -> JSONValue {
    try! JSONParser.parse(text)
}

/// Checks that a response is the gateway's own error JSON with this status and type.
func expectGatewayError(
    _ response: LiveResponse, status: HTTPResponse.Status, type: String, message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "status: \(response.status) body: \(response.bodyText)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    guard let body = try? JSONParser.parse(response.body.readableBytesView), case .object(let root) = body,
        case .object(let error)? = root["error"]
    else {
        Issue.record("not the gateway's error JSON: \(response.bodyText)", sourceLocation: sourceLocation)
        return
    }
    #expect(root.keys == ["error"], sourceLocation: sourceLocation)
    #expect(error["type"] == .string(type), "type: \(String(describing: error["type"]))", sourceLocation: sourceLocation)
    guard case .string(let text)? = error["message"], !text.isEmpty else {
        Issue.record("error.message missing or not a non-empty string", sourceLocation: sourceLocation)
        return
    }
    if let message { #expect(text == message, sourceLocation: sourceLocation) }
}

/// A minimal valid chat-completions body.
func chatBody(model: String = "gpt-4o", stream: Bool? = nil, extra: String = "") -> String {
    var text = #"{"model":"\#(model)","messages":[{"role":"user","content":"Hello"}]"#
    if let stream { text += #","stream":\#(stream)"# }
    if !extra.isEmpty { text += "," + extra }
    return text + "}"
}

/// A canned upstream chat completion carrying an unknown field.
let upstreamCompletion = #"{"id":"chatcmpl-up1","object":"chat.completion","created":1760000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there","refusal":null},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7},"x_unknown_field":{"nested":[1,2.50,"three"]}}"#

/// Proves the gateway still answers after a fault.
func expectStillServing(_ live: LiveGateway, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let health = try await live.send(.get, "/health")
    #expect(health.status == .ok, sourceLocation: sourceLocation)
    #expect(try health.json()["status"] == "Archestra Platform API", sourceLocation: sourceLocation)
}
