import ArchestraCore
import ArchestraStore
import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The gateway's metrics, through swift-metrics into a Prometheus registry of its own (one per gateway, so tests
/// and several gateways in one process never share counters). Names and labels follow the original platform's,
/// so existing dashboards keep working; the `archestra_*` families are this implementation's own.
final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// Sub-millisecond resolution at the bottom, provider latencies at the top.
    static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60),
    ]

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory.valueHistogramBuckets["archestra_interaction_log_batch_size"] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]
        self.factory = factory
    }

    /// The Prometheus text exposition of every family.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// Every HTTP request, by matched route template.
    func httpRequest(method: String, route: String, status: Int, duration: Duration) {
        Metrics.Timer(
            label: "http_request_duration_seconds",
            dimensions: [("method", method), ("route", route), ("status_code", String(status))], factory: factory
        ).recordNanoseconds(duration.nanoseconds)
    }

    /// Every LLM call (status 0 when no HTTP status came back), with the tokens it reported.
    func llmRequest(_ call: LLMCallLabels, status: Int, duration: Duration, usage: TokenUsage?) {
        Metrics.Timer(
            label: "llm_request_duration_seconds",
            dimensions: call.dimensions + [("status_code", String(status))], factory: factory
        ).recordNanoseconds(duration.nanoseconds)
        guard let usage else { return }
        if let input = usage.input {
            Counter(label: "llm_tokens_total", dimensions: call.dimensions + [("type", "input")], factory: factory).increment(by: input)
        }
        if let output = usage.output {
            Counter(label: "llm_tokens_total", dimensions: call.dimensions + [("type", "output")], factory: factory).increment(by: output)
        }
    }

    /// A refusal, counted against the refused call's tool.
    func blockedTool(provider: Provider, agent: Agent, toolName: String) {
        Counter(
            label: "llm_blocked_tool_total",
            dimensions: [("provider", provider.rawValue), ("agent_id", agent.id.lowercasedString), ("agent_name", agent.name), ("tool_name", toolName)],
            factory: factory
        ).increment()
    }

    /// One judged tool result.
    func toolResultEvaluated(provider: Provider, agent: Agent, toolName: String?, verdict: TrustVerdict) {
        Counter(
            label: "tool_result_evaluations_total",
            dimensions: [
                ("provider", provider.rawValue), ("agent_id", agent.id.lowercasedString), ("agent_name", agent.name),
                ("tool_name", toolName ?? ""), ("verdict", verdict.rawValue),
            ],
            factory: factory
        ).increment()
    }

    /// Time spent judging one request's tool results and tool calls.
    func policyEvaluation(duration: Duration) {
        Metrics.Timer(label: "archestra_policy_evaluation_seconds", factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    /// The gateway's own time on a request: total time minus time waiting for the provider.
    func gatewayOverhead(provider: Provider, duration: Duration) {
        Metrics.Timer(label: "archestra_gateway_overhead_seconds", dimensions: [("provider", provider.rawValue)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }
}

/// The labels that identify an LLM call.
struct LLMCallLabels: Sendable {
    let provider: Provider
    let model: String
    let agent: Agent

    var dimensions: [(String, String)] {
        [("provider", provider.rawValue), ("model", model), ("agent_id", agent.id.lowercasedString), ("agent_name", agent.name)]
    }
}

extension GatewayMetrics: InteractionLogObserver {
    func queueDepthChanged(_ depth: Int) {
        Gauge(label: "archestra_interaction_log_queue_depth", factory: factory).record(depth)
    }

    func batchWritten(size: Int, duration: Duration) {
        Recorder(label: "archestra_interaction_log_batch_size", factory: factory).record(size)
        Metrics.Timer(label: "archestra_interaction_log_flush_seconds", factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    func writeFailed(count: Int) {
        Counter(label: "archestra_interaction_log_failed_writes_total", factory: factory).increment(by: count)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }
}
