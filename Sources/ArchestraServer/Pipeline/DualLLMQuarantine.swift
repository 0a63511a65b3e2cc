import ArchestraCore
import ArchestraProviders
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Replaces untrusted tool results by Dual LLM summaries (contract §5): a privileged model that never sees the
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
        let headers: HTTPFields
        let queryKey: String?
        let requestId: String?
    }

    /// The replacement text for each quarantined result, by index into `results`.
    func quarantine(
        _ results: [NeutralToolResult], judgements: [TrustJudgement], userRequest: String, caller: Caller, logger: Logger
    ) async -> [Int: String] {
        let candidates = zip(results, judgements).enumerated().filter { $0.element.1.verdict == .untrusted }.map { ($0.offset, $0.element.0) }
        guard !candidates.isEmpty else { return [:] }
        let config: DualLLMConfig
        do {
            config = try await services.dualLLM.current()
        } catch {
            // Whether the quarantine is on is unknown: fail closed rather than pass untrusted data on.
            logger.error("Dual LLM configuration unavailable; untrusted tool results withheld", metadata: ["error": "\(error)"])
            return Dictionary(uniqueKeysWithValues: candidates.map { ($0.0, Self.withheldNote) })
        }
        guard config.enabled else { return [:] }
        return await withTaskGroup(of: (Int, String).self) { group in
            var replacements: [Int: String] = [:]
            var pending = candidates[...]
            func startNext() {
                guard let (index, result) = pending.popFirst() else { return }
                group.addTask { (index, await summary(of: result, config: config, userRequest: userRequest, caller: caller, logger: logger)) }
            }
            for _ in 0..<Self.maxConcurrentRuns { startNext() }
            while let (index, text) = await group.next() {
                replacements[index] = text
                startNext()
            }
            return replacements
        }
    }

    private func summary(of result: NeutralToolResult, config: DualLLMConfig, userRequest: String, caller: Caller, logger: Logger) async -> String {
        if let cached = try? await services.store.dualLLMResult(agentId: caller.agent.id, toolCallId: result.toolCallId) {
            return cached.result
        }
        var session = DualLLMSession(config: config, userRequest: userRequest, data: DualLLMWire.dataText(result.value))
        let client = DualLLMCallClient(services: services, config: config, caller: caller)
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

/// Makes the Dual LLM's own provider calls.
struct DualLLMCallClient: Sendable {
    let services: ProxyServices
    let config: DualLLMConfig
    let caller: DualLLMQuarantine.Caller

    /// The reply text, or nil when the call failed (non-2xx, unreachable, timeout, no text).
    func complete(_ messages: [DualLLMMessage], constrained: Bool) async -> String? {
        let body = DualLLMWire.body(provider: config.provider, model: config.model, messages: messages, constrained: constrained)
        var query: String?
        if config.provider == .gemini, caller.provider == .gemini, let key = caller.queryKey {
            query = "key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
        }
        let request = UpstreamRequest(
            method: .POST, url: services.upstreamURL(config.provider, path: DualLLMWire.path(provider: config.provider, model: config.model), query: query),
            headers: headers(), body: ByteBuffer(bytes: JSONWriter.bytes(body))
        )
        let started = ContinuousClock.now
        let labels = LLMCallLabels(provider: config.provider, model: config.model, agent: caller.agent)
        do {
            let response = try await services.upstream.send(request, timeout: services.config.upstreamTimeout)
            let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
            let status = Int(response.status.code)
            let reply = try? JSONParser.parse(bytes.readableBytesView)
            let usage = reply?.objectValue.flatMap { object -> TokenUsage? in
                switch config.provider {
                case .openai: OpenAIChatAdapter().usage(inResponse: object)
                case .anthropic: AnthropicAdapter().usage(inResponse: object)
                case .gemini: GeminiAdapter().usage(inResponse: object)
                }
            }
            services.metrics.llmRequest(labels, status: status, duration: .now - started, usage: usage)
            guard (200..<300).contains(status), let reply else { return nil }
            return DualLLMWire.text(provider: config.provider, response: reply)
        } catch {
            services.metrics.llmRequest(labels, status: 0, duration: .now - started, usage: nil)
            return nil
        }
    }

    /// The client's key when it speaks the same provider, else the server-side key.
    private func headers() -> HTTPHeaders {
        var headers = HTTPHeaders([("content-type", "application/json")])
        if let requestId = caller.requestId { headers.add(name: "x-request-id", value: requestId) }
        let sameProvider = caller.provider == config.provider
        let serverKey = services.config.serverKeys[config.provider]
        switch config.provider {
        case .openai:
            if sameProvider, let key = caller.headers[.authorization] { headers.add(name: "Authorization", value: key) }
            else if let serverKey { headers.add(name: "Authorization", value: "Bearer \(serverKey)") }
        case .anthropic:
            let clientKey = caller.headers[HTTPField.Name("x-api-key")!]
            if sameProvider, let clientKey { headers.add(name: "x-api-key", value: clientKey) }
            else if sameProvider, let key = caller.headers[.authorization] { headers.add(name: "Authorization", value: key) }
            else if let serverKey { headers.add(name: "x-api-key", value: serverKey) }
            headers.add(name: "anthropic-version", value: (sameProvider ? caller.headers[HTTPField.Name("anthropic-version")!] : nil) ?? "2023-06-01")
        case .gemini:
            let clientKey = caller.headers[HTTPField.Name("x-goog-api-key")!]
            if sameProvider, let clientKey { headers.add(name: "x-goog-api-key", value: clientKey) }
            else if !(sameProvider && caller.queryKey != nil), let serverKey { headers.add(name: "x-goog-api-key", value: serverKey) }
        }
        return headers
    }
}
