import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ArchestraServer

/// Operational guards: a refused body ends its connection, an open admin API is never exposed by accident, and
/// `/metrics` can be closed with a token.
@Suite("Operations hardening", .timeLimit(.minutes(1)))
struct OperationsHardeningTests {
    @Test("A 413 ends the connection: the client gets the answer and the close, without sending the rest of the body")
    func tooLargeClosesConnection() async throws {
        try await withUpstreamAndGateway(environment: ["ARCHESTRA_MAX_BODY_BYTES": "1024"]) { fake, live in
            try await RawConnection.with(port: live.port) { connection in
                let head = [
                    "POST /v1/openai/chat/completions HTTP/1.1", "Host: localhost", "Content-Type: application/json",
                    "Content-Length: 104857600", "Connection: keep-alive",
                ].joined(separator: "\r\n")
                try await connection.send(head + "\r\n\r\n" + String(repeating: "x", count: 512))
                let response = try await connection.readResponse(timeout: .seconds(30))
                #expect(response.statusLine.contains(" 413 "), "\(response.statusLine)")
                #expect(response.header("connection")?.lowercased() == "close")
                #expect(try JSONParser.parse(response.body)["error"]?["type"] == "request_too_large")
                // Most of the body was never sent: the server must end the connection rather than wait for it.
                _ = try await connection.readUntilClosed(timeout: .seconds(8))
                #expect(connection.isClosed)
            }
            #expect(fake.requests.isEmpty)
            try await expectStillServing(live)
        }
    }

    @Test("A 413 for a chunked body past the limit ends the connection too")
    func tooLargeChunkedClosesConnection() async throws {
        try await withGateway(environment: ["ARCHESTRA_MAX_BODY_BYTES": "1024"]) { live in
            try await RawConnection.with(port: live.port) { connection in
                let head = "POST /api/agents HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                let chunk = String(repeating: "y", count: 2_000)
                try await connection.send(head + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n")
                let response = try await connection.readResponse(timeout: .seconds(30))
                #expect(response.statusLine.contains(" 413 "), "\(response.statusLine)")
                _ = try await connection.readUntilClosed(timeout: .seconds(8))
            }
            try await expectStillServing(live)
        }
    }

    /// A configuration from these variables on top of a minimal valid environment.
    static func parse(_ variables: [String: String]) throws -> AppConfig {
        try AppConfig.parse(environment: ["DATABASE_URL": "sqlite::memory:"].merging(variables) { _, new in new })
    }

    @Test("A non-loopback listen address needs ARCHESTRA_ADMIN_TOKEN or ARCHESTRA_ALLOW_OPEN_ADMIN=true")
    func openAdminRefused() throws {
        for host in ["0.0.0.0", "::", "192.168.1.20", "example.com", "[::]"] {
            do {
                _ = try Self.parse(["ARCHESTRA_HOST": host])
                Issue.record("ARCHESTRA_HOST=\(host) without a token was accepted")
            } catch let error as ConfigError {
                #expect(error.description.contains("ARCHESTRA_HOST") && error.description.contains("ARCHESTRA_ADMIN_TOKEN"), "\(error)")
                #expect(!error.description.contains("\n"), "one line")
            }
            #expect(throws: ConfigError.self) { try Self.parse(["ARCHESTRA_HOST": host, "ARCHESTRA_ALLOW_OPEN_ADMIN": "false"]) }
            #expect(try Self.parse(["ARCHESTRA_HOST": host, "ARCHESTRA_ALLOW_OPEN_ADMIN": "true"]).host == host)
            #expect(try Self.parse(["ARCHESTRA_HOST": host, "ARCHESTRA_ADMIN_TOKEN": "t0ken"]).adminToken == "t0ken")
        }
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            #expect(try Self.parse(["ARCHESTRA_HOST": host]).host == host)
        }
        #expect(try Self.parse([:]).host == "127.0.0.1")
        #expect(throws: ConfigError.self) { try Self.parse(["ARCHESTRA_HOST": "0.0.0.0", "ARCHESTRA_ALLOW_OPEN_ADMIN": "yes"]) }
    }

    @Test("The hardening settings parse, and refuse bad values naming the variable")
    func hardeningSettings() throws {
        let config = try Self.parse([
            "ARCHESTRA_MAX_UPSTREAM_BODY_BYTES": "4096", "ARCHESTRA_MAX_MESSAGES": "7", "ARCHESTRA_MAX_TOOL_DECLARATIONS": "8",
            "ARCHESTRA_MAX_TOOL_RESULTS": "9", "ARCHESTRA_MAX_AUTO_AGENTS": "10", "ARCHESTRA_MAX_TOOLS_PER_AGENT": "11",
            "ARCHESTRA_MAX_METRIC_LABEL_VALUES": "12", "ARCHESTRA_ALLOW_UNJUDGED_ROUTES": "true", "ARCHESTRA_METRICS_TOKEN": "metrics-secret-value", "LOG_FORMAT": "json",
        ])
        #expect(config.maxUpstreamBodyBytes == 4096)
        #expect(config.requestLimits == AppConfig.RequestLimits(maxMessages: 7, maxToolDeclarations: 8, maxToolResults: 9))
        #expect(config.stateLimits == AppConfig.StateLimits(maxAutoAgents: 10, maxToolsPerAgent: 11, maxMetricLabelValues: 12))
        #expect(config.forwardUnjudgedRoutes && config.metricsToken == "metrics-secret-value" && config.logFormat == .json)
        #expect(!config.startupSummary.contains("metrics-secret-value") && config.startupSummary.contains("unjudged routes are forwarded"))
        for variable in [
            "ARCHESTRA_MAX_UPSTREAM_BODY_BYTES", "ARCHESTRA_MAX_MESSAGES", "ARCHESTRA_MAX_TOOL_DECLARATIONS", "ARCHESTRA_MAX_TOOL_RESULTS",
            "ARCHESTRA_MAX_AUTO_AGENTS", "ARCHESTRA_MAX_TOOLS_PER_AGENT", "ARCHESTRA_MAX_METRIC_LABEL_VALUES", "ARCHESTRA_ALLOW_UNJUDGED_ROUTES", "LOG_FORMAT",
        ] {
            do {
                _ = try Self.parse([variable: "0"])
                Issue.record("\(variable)=0 was accepted")
            } catch let error as ConfigError {
                #expect(error.description.contains(variable), "\(error)")
            }
        }
    }

    @Test("ARCHESTRA_METRICS_TOKEN: /metrics answers 401 without or with a wrong bearer, 200 with it")
    func metricsToken() async throws {
        try await withGateway(environment: ["ARCHESTRA_METRICS_TOKEN": "scrape-s3cret"]) { live in
            expectGatewayError(try await live.send(.get, "/metrics"), status: .unauthorized, type: "authentication_error")
            for wrong in ["Bearer wrong", "Bearer scrape-s3cre", "Bearer scrape-s3cret2", "scrape-s3cret", "Basic c2NyYXBlLXMzY3JldA==", "Bearer "] {
                let response = try await live.send(.get, "/metrics", headers: [.authorization: wrong])
                expectGatewayError(response, status: .unauthorized, type: "authentication_error")
                #expect(!response.bodyText.contains("http_request_duration_seconds"))
            }
            let allowed = try await live.send(.get, "/metrics", headers: [.authorization: "Bearer scrape-s3cret"])
            #expect(allowed.status == .ok)
            #expect(allowed.bodyText.contains("http_request_duration_seconds"))
            try await expectStillServing(live)
            // The admin API is not opened or closed by the metrics token.
            #expect(try await live.send(.get, "/api/agents").status == .ok)
        }
        try await withGateway { live in
            let open = try await live.send(.get, "/metrics")
            #expect(open.status == .ok, "without the setting /metrics stays open")
        }
    }
}
