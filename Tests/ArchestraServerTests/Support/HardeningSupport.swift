import ArchestraCore
import Foundation
import HTTPTypes
import Logging
import Testing

/// Runs a fake provider serving as all three vendors (OpenAI at `{fake}/v1`, Anthropic at `{fake}/v1`, Gemini at
/// `{fake}/v1beta`) and a gateway pointed at it.
func withAllVendorsUpstream(
    environment: [String: String] = [:], logger: Logger = quietLogger, _ body: @Sendable (FakeUpstream, LiveGateway) async throws -> Void
) async throws {
    try await FakeUpstream.with { fake in
        var settings: [String: String] = [:]
        for provider in ScenarioProvider.allCases { settings[provider.baseURLVariable] = fake.baseURL + provider.baseURLSuffix }
        settings.merge(environment) { _, new in new }
        try await withGateway(upstream: fake, environment: settings, logger: logger) { live in
            try await body(fake, live)
        }
    }
}

extension ScenarioProvider {
    /// The client's headers for a pipeline request: its key and a JSON content type.
    var requestHeaders: HTTPFields {
        var headers = keyHeaders
        headers[.contentType] = "application/json"
        return headers
    }

    /// Sends the tainted conversation to this provider's pipeline route.
    func sendScenario(_ live: LiveGateway, stream: Bool) async throws -> LiveResponse {
        try await live.send(.post, path(stream: stream), headers: requestHeaders, body: requestBody(stream: stream))
    }
}

/// The refusal reason of a call made in a tainted context with no policy allowing it (the last invocation rule).
let taintedContextReason = "Tool invocation blocked: context contains untrusted data"

/// A raw HTTP/1.1 request with a body, closing the connection after the response.
func rawRequest(_ method: String, _ target: String, body: String = "", headers: [String] = []) -> String {
    var lines = ["\(method) \(target) HTTP/1.1", "Host: localhost", "Content-Type: application/json", "Content-Length: \(body.utf8.count)", "Connection: close"]
    lines += headers
    return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
}

/// The status code of a raw HTTP response (0 when there is none).
func rawStatus(_ bytes: [UInt8]) -> Int {
    let text = String(decoding: bytes.prefix(64), as: UTF8.self)
    let parts = text.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return 0 }
    return Int(parts[1]) ?? 0
}

/// The sample lines of a metric family in a Prometheus exposition.
func metricSamples(_ exposition: String, _ family: String) -> [String] {
    exposition.split(separator: "\n").map(String.init).filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }
}

/// The sum of a counter family's samples (0 when absent).
func metricTotal(_ exposition: String, _ family: String) -> Double {
    metricSamples(exposition, family).compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
}

/// Every value a label takes in a family's samples.
func labelValues(_ exposition: String, family: String, label: String) -> Set<String> {
    var values: Set<String> = []
    for sample in metricSamples(exposition, family) {
        guard let range = sample.range(of: "\(label)=\"") else { continue }
        let rest = sample[range.upperBound...]
        if let end = rest.firstIndex(of: "\"") { values.insert(String(rest[..<end])) }
    }
    return values
}
