import ArchestraCore
import ArchestraStore
import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization

/// The gateway's metrics, through swift-metrics into a Prometheus registry of its own (one per gateway, so tests
/// and several gateways in one process never share counters). Names and labels follow the original platform's,
/// so existing dashboards keep working; the `archestra_*` families are this implementation's own.
final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// swift-metrics handles by family and label values: creating one per update costs an allocation and a
    /// registry lookup under its lock, which showed in the request profile.
    private let timers = Mutex<[HandleKey: Metrics.Timer]>([:])
    private let counters = Mutex<[HandleKey: Metrics.Counter]>([:])
    private let amounts = Mutex<[HandleKey: Metrics.FloatingPointCounter]>([:])
    /// Updated with every record queued or written.
    private let queueDepth: Metrics.Gauge
    private let spilledRecords: Metrics.Gauge
    /// Keeps the label values clients choose (model, agent, tool) from growing the series without bound.
    let labels: LabelBudget
    /// This instance's gateway overhead, for the UI's percentiles.
    let overhead = LatencyDigest()

    /// Sub-millisecond resolution at the bottom, provider latencies at the top.
    static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60),
    ]

    /// A first token comes after tens of milliseconds at best and tens of seconds for a reasoning model.
    static let firstTokenBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .milliseconds(750), .seconds(1), .milliseconds(1500), .seconds(2), .seconds(3), .seconds(5), .seconds(10), .seconds(20),
        .seconds(30), .seconds(60),
    ]

    init(labelLimit: Int = 500) {
        labels = LabelBudget(limit: labelLimit)
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory.valueHistogramBuckets["archestra_interaction_log_batch_size"] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]
        factory.durationHistogramBuckets["llm_time_to_first_token_seconds"] = Self.firstTokenBuckets
        self.factory = factory
        queueDepth = Metrics.Gauge(label: "archestra_interaction_log_queue_depth", factory: factory)
        spilledRecords = Metrics.Gauge(label: "archestra_interaction_log_spilled_records", factory: factory)
    }

    /// A family and its label values (the names are fixed per family): hashed as they are, with no key text built
    /// per update.
    private struct HandleKey: Hashable {
        let label: String
        let values: [String]

        init(_ label: String, _ dimensions: [(String, String)]) {
            self.label = label
            values = dimensions.map(\.1)
        }
    }

    private func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Metrics.Timer {
        let key = HandleKey(label, dimensions)
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(label: label, dimensions: dimensions, factory: factory)
            timers[key] = timer
            return timer
        }
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Counter {
        let key = HandleKey(label, dimensions)
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    private func amount(_ label: String, _ dimensions: [(String, String)]) -> Metrics.FloatingPointCounter {
        let key = HandleKey(label, dimensions)
        return amounts.withLock { amounts in
            if let counter = amounts[key] { return counter }
            let counter = Metrics.FloatingPointCounter(label: label, dimensions: dimensions, factory: factory)
            amounts[key] = counter
            return counter
        }
    }

    /// The Prometheus text exposition of every family.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// Every HTTP request, by matched route template.
    func httpRequest(method: String, route: String, status: Int, duration: Duration) {
        timer("http_request_duration_seconds", [("method", method), ("route", route), ("status_code", String(status))]).recordNanoseconds(duration.nanoseconds)
    }

    /// Every LLM call (status 0 when no HTTP status came back), with the tokens it reported and what it cost.
    /// `input` and `output` are the provider's own headline counts, as they always were; `cached_input` and
    /// `reasoning` are the parts of them the provider reported as such.
    func llmRequest(_ call: LLMCallLabels, status: Int, duration: Duration, usage: CallSpend?) {
        let dimensions = call.dimensions(labels)
        timer("llm_request_duration_seconds", dimensions + [("status_code", String(status))]).recordNanoseconds(duration.nanoseconds)
        guard let usage else { return }
        let kinds: [(String, Int?)] = [
            ("input", usage.tokens?.input), ("output", usage.tokens?.output),
            ("cached_input", usage.report?.cachedInputTokens), ("reasoning", usage.report?.reasoningTokens),
        ]
        for case (let type, let count?) in kinds {
            counter("llm_tokens_total", dimensions + [("type", type)]).increment(by: count)
        }
        if let cost = usage.cost {
            amount("llm_cost_total", dimensions).increment(by: cost.dollars)
        }
    }

    /// How long a streamed call took to send its first generated token, from the start of the call.
    func firstToken(_ call: LLMCallLabels, after duration: Duration) {
        timer("llm_time_to_first_token_seconds", call.dimensions(labels)).recordNanoseconds(duration.nanoseconds)
    }

    /// A refusal, counted against the refused call's tool.
    func blockedTool(provider: Provider, agent: Agent, toolName: String) {
        counter(
            "llm_blocked_tool_total",
            [("provider", provider.rawValue)] + labels.agent(agent) + [("tool_name", labels.admit("tool_name", toolName))]
        ).increment()
    }

    /// The judged tool results of one request, counted per tool and verdict.
    func toolResultsEvaluated(provider: Provider, agent: Agent, judgement: ContextJudgement) {
        guard !judgement.results.isEmpty else { return }
        var counts: [ToolVerdictKey: Int] = [:]
        for (result, verdict) in zip(judgement.results, judgement.judgements) {
            counts[ToolVerdictKey(toolName: result.toolName ?? "", verdict: verdict.verdict), default: 0] += 1
        }
        let agentDimensions = labels.agent(agent)
        for (key, count) in counts {
            counter("tool_result_evaluations_total", [("provider", provider.rawValue)] + agentDimensions + [
                ("tool_name", labels.admit("tool_name", key.toolName)), ("verdict", key.verdict.rawValue),
            ]).increment(by: count)
        }
    }

    private struct ToolVerdictKey: Hashable {
        var toolName: String
        var verdict: TrustVerdict
    }

    /// A request attributed to the overflow agent because no more agents may be created.
    /// A request refused by a usage limit (`agent_id` is the requesting agent's, for global limits too).
    func limitRejected(agentId: UUID, kind: LimitKind) {
        counter("archestra_limit_rejections_total", [("agent_id", agentId.uuidString.lowercased()), ("kind", kind.rawValue)]).increment()
    }

    func agentLimitReached() {
        counter("archestra_agent_limit_fallbacks_total", []).increment()
    }

    /// Declared tools not recorded because their agent has as many tools as it may.
    func toolsNotRecorded(_ count: Int) {
        counter("archestra_tools_not_recorded_total", []).increment(by: count)
    }

    /// Time spent judging one request's tool results and tool calls.
    func policyEvaluation(duration: Duration) {
        timer("archestra_policy_evaluation_seconds").recordNanoseconds(duration.nanoseconds)
    }

    /// The gateway's own time on a request: total time minus time waiting for the provider.
    func gatewayOverhead(provider: Provider, duration: Duration) {
        overhead.record(duration)
        timer("archestra_gateway_overhead_seconds", [("provider", provider.rawValue)])
            .recordNanoseconds(duration.nanoseconds)
    }
}

/// The labels that identify an LLM call.
struct LLMCallLabels: Sendable {
    let provider: Provider
    let model: String
    let agent: Agent

    /// The labels, with client-chosen values bounded.
    func dimensions(_ labels: LabelBudget) -> [(String, String)] {
        [("provider", provider.rawValue), ("model", labels.admit("model", model))] + labels.agent(agent)
    }
}

extension GatewayMetrics: InteractionLogObserver {
    func bufferChanged(memory: Int, spilled: Int) {
        queueDepth.record(memory + spilled)
        spilledRecords.record(spilled)
    }

    func recordsDropped(_ count: Int) {
        Metrics.Counter(label: "archestra_interaction_log_dropped_total", factory: factory).increment(by: count)
    }

    /// A pipeline request refused because its record could not be kept (buffer full, or the database away in
    /// synchronous mode).
    func requestRefusedForLog(reason: String) {
        Metrics.Counter(label: "archestra_requests_refused_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// 1 while the database answers, 0 while it does not.
    func databaseReachable(_ reachable: Bool) {
        Gauge(label: "archestra_database_up", factory: factory).record(reachable ? 1 : 0)
    }

    func batchWritten(size: Int, duration: Duration) {
        Recorder(label: "archestra_interaction_log_batch_size", factory: factory).record(size)
        timer("archestra_interaction_log_flush_seconds").recordNanoseconds(duration.nanoseconds)
    }

    func rowReduced() {
        Metrics.Counter(label: "archestra_interaction_log_reduced_total", factory: factory).increment()
    }

    func writeFailed(count: Int) {
        Metrics.Counter(label: "archestra_interaction_log_failed_writes_total", factory: factory).increment(by: count)
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
