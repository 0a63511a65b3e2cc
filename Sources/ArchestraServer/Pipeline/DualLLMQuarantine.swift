import ArchestraCore
import ArchestraProviders
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Replaces untrusted tool results by Dual LLM summaries: a privileged model that never sees the
/// data asks multiple-choice questions, a quarantined model that sees it answers with an index, and the privileged
/// model's summary replaces the result. Results are cached per (agent, tool call id); a failed run withholds the
/// result with a fixed note and is not cached.
struct DualLLMQuarantine: Sendable {
    let services: ProxyServices

    static let withheldNote = "[Tool result withheld: Dual LLM analysis failed]"
    /// Tool results of one request quarantined at the same time.
    static let maxConcurrentRuns = 4

    /// Who is asking, for the call's key and the record.
    struct Caller: Sendable {
        let agent: Agent
        let provider: Provider
        /// Who pays for the request's own provider call.
        let payer: Payer
        let headers: HTTPFields
        let queryKey: String?
        let requestId: String?
    }

    /// What the quarantine did for one request.
    struct Outcome: Sendable {
        /// The replacement text for each quarantined result, by index into the request's tool results.
        var replacements: [Int: String] = [:]
        /// The tokens and cost of the calls it made; nil when it made none that reported usage.
        var usage: DualLLMUsage?
    }

    /// The replacement text for each quarantined result, by index into `results`, and what the calls cost.
    func quarantine(
        _ results: [NeutralToolResult], judgements: [TrustJudgement], userRequest: String, caller: Caller, logger: Logger
    ) async -> Outcome {
        // Output of the provider's own tools was already read by the model: there is nothing to replace.
        let candidates = zip(results, judgements).enumerated()
            .filter { $0.element.1.verdict == .untrusted && !$0.element.0.hosted }
            .map { ($0.offset, $0.element.0) }
        guard !candidates.isEmpty else { return Outcome() }
        let config: DualLLMConfig
        do {
            config = try await services.dualLLM.current()
        } catch {
            // Whether the quarantine is on is unknown: fail closed rather than pass untrusted data on.
            logger.error("Dual LLM configuration unavailable; untrusted tool results withheld", metadata: ["error": "\(error)"])
            return Outcome(replacements: Dictionary(uniqueKeysWithValues: candidates.map { ($0.0, Self.withheldNote) }))
        }
        guard config.enabled else { return Outcome() }
        let tally = DualLLMTally()
        let replacements = await withTaskGroup(of: (Int, String).self) { group in
            var replacements: [Int: String] = [:]
            var pending = candidates[...]
            func startNext() {
                guard let (index, result) = pending.popFirst() else { return }
                group.addTask {
                    (index, await summary(of: result, config: config, userRequest: userRequest, caller: caller, tally: tally, logger: logger))
                }
            }
            for _ in 0..<Self.maxConcurrentRuns { startNext() }
            while let (index, text) = await group.next() {
                replacements[index] = text
                startNext()
            }
            return replacements
        }
        return Outcome(replacements: replacements, usage: tally.usage(config: config, prices: services.prices.book))
    }

    private func summary(
        of result: NeutralToolResult, config: DualLLMConfig, userRequest: String, caller: Caller, tally: DualLLMTally, logger: Logger
    ) async -> String {
        if let cached = try? await services.store.dualLLMResult(agentId: caller.agent.id, toolCallId: result.toolCallId) {
            return cached.result
        }
        var session = DualLLMSession(config: config, userRequest: userRequest, data: DualLLMSession.dataText(result.value))
        let client = DualLLMCallClient(services: services, config: config, caller: caller, tally: tally)
        while true {
            switch session.step {
            case .callMain(let messages):
                guard let text = await client.complete(messages, constrained: false) else { return failed(result, logger) }
                session.receiveMain(text)
            case .callQuarantined(let prompt, _):
                guard let text = await client.complete([DualLLMMessage(role: "user", content: prompt)], constrained: true) else {
                    return failed(result, logger)
                }
                session.receiveQuarantined(text)
            case .callSummary(let prompt):
                guard let text = await client.complete([DualLLMMessage(role: "user", content: prompt)], constrained: false) else {
                    return failed(result, logger)
                }
                session.receiveSummary(text)
            case .finished(let summary, let conversation):
                let stored = DualLLMResult(
                    id: services.ids.makeUUID(), agentId: caller.agent.id, toolCallId: result.toolCallId,
                    conversations: conversation, result: summary, createdAt: services.clock.now()
                )
                do { try await services.store.insertDualLLMResult(stored) } catch {
                    logger.warning("could not store a Dual LLM result", metadata: ["error": "\(error)"])
                }
                return summary
            }
        }
    }

    private func failed(_ result: NeutralToolResult, _ logger: Logger) -> String {
        logger.warning("Dual LLM analysis failed; tool result withheld", metadata: ["toolCallId": .string(result.toolCallId)])
        return Self.withheldNote
    }
}

/// Makes the Dual LLM's own provider calls, with the same key rules as the proxied call: the client's key when
/// the quarantine uses the client's vendor, else the server's key, and none for an anonymous request.
struct DualLLMCallClient: Sendable {
    let services: ProxyServices
    let config: DualLLMConfig
    let caller: DualLLMQuarantine.Caller
    /// Where the calls' usage is added up for the interaction.
    let tally: DualLLMTally

    /// Who pays for the quarantine's calls; `.nobody` means they cannot be made.
    var payer: Payer {
        caller.payer.forCall(to: config.provider, from: caller.provider, serverKeys: services.config.serverKeys)
    }

    /// The reply text, or nil when the call failed (non-2xx, unreachable, timeout, no text) or nobody can pay.
    func complete(_ messages: [DualLLMMessage], constrained: Bool) async -> String? {
        let vendor = config.provider.vendor
        let payer = self.payer
        guard payer != .nobody else { return nil }
        var query: String?
        if payer == .client, vendor.keyLocations.contains(.queryKey), let key = caller.queryKey, vendor.presentedKey(in: caller.headers, queryKey: nil) == nil {
            query = "key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: vendor.keyFields(for: payer, clientHeaders: caller.headers))
        headers.append(contentsOf: vendor.dualLLMHeaders(clientHeaders: caller.headers, sameVendor: config.provider == caller.provider))
        if let requestId = caller.requestId { headers[.xRequestID] = requestId }
        let request = UpstreamRequest(
            method: .post, url: services.upstreamURL(config.provider, path: vendor.dualLLMPath(model: config.model), query: query),
            headerFields: headers,
            body: ByteBuffer(bytes: JSONWriter.bytes(vendor.dualLLMBody(model: config.model, messages: messages, constrained: constrained))),
            purpose: .dualLLM
        )
        let started = ContinuousClock.now
        let labels = LLMCallLabels(provider: config.provider, model: config.model, agent: caller.agent)
        do {
            let response = try await services.transport.send(request, timeout: services.config.upstreamTimeout)
            let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
            let status = response.status.code
            let reply = try? JSONParser.parse(bytes.readableBytesView)
            let object = reply?.objectValue
            let report = object.flatMap(vendor.dualLLMUsageReport)
            tally.add(report)
            services.metrics.llmRequest(
                labels, status: status, duration: .now - started,
                usage: services.spend(of: object.flatMap(vendor.dualLLMUsage), report: report, model: config.model)
            )
            guard (200..<300).contains(status), let reply else { return nil }
            return vendor.dualLLMText(reply)
        } catch {
            services.metrics.llmRequest(labels, status: 0, duration: .now - started, usage: nil)
            return nil
        }
    }
}

/// Adds up the usage of one request's Dual LLM calls, which run concurrently.
final class DualLLMTally: Sendable {
    private let state = Mutex<(calls: Int, tokens: UsageReport?)>((0, nil))

    /// Counts one call's usage (a call that reported none adds nothing).
    func add(_ report: UsageReport?) {
        guard let report else { return }
        state.withLock { state in
            state.calls += 1
            state.tokens = state.tokens.map { $0.adding(report) } ?? report
        }
    }

    /// The calls' usage, priced as one: they all went to the configured model.
    func usage(config: DualLLMConfig, prices: PriceBook) -> DualLLMUsage? {
        let (calls, tokens) = state.withLock { ($0.calls, $0.tokens) }
        guard let tokens else { return nil }
        return DualLLMUsage(
            provider: config.provider, model: config.model, calls: calls, tokens: tokens,
            cost: prices.cost(of: tokens, model: config.model)
        )
    }
}
