import ArchestraCore
import ArchestraProviders

/// `RouteClassifier.classify` on arbitrary request targets. Input: byte 0 chooses the provider (bits 0-1), whether
/// unjudged routes may be forwarded (bit 2), the method (bits 3-5) and whether `/v1/{provider}/` (bit 6) and then
/// an agent id (bit 7) go before the rest of the input, which is the target as the client sent it.
///
/// Invariants: nothing reaches a provider on a path with an empty, `.`, `..` or percent-encoded segment or a
/// character outside the plain set; a write is forwarded unjudged only when it is on the allow-list (written out
/// here again, from the list of routes that cannot produce tool calls) or the operator allowed it; a pipeline
/// route is a POST to one of its provider's endpoint shapes, with a metrics template that holds no client text.
enum RouteCheck {
    /// The methods the server hands to the classifier (ProviderRoutes.methods).
    static let methods = ["POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "POST"]
    static let agentId = "0b4c0a6e-2f6d-4c59-9a51-9d8c7e6f5a41"

    static func run(_ input: [UInt8], _ findings: inout FuzzFindings) {
        let control = input.first ?? 0
        let provider = Provider.allCases[Int(control & 0x03) % Provider.allCases.count]
        let forwardUnjudged = control & 0x04 != 0
        let method = methods[Int(control >> 3) & 0x07]
        var target = ""
        if control & 0x40 != 0 { target += "/v1/\(provider.rawValue)/" }
        if control & 0x80 != 0 { target += "\(agentId)/" }
        target += String(decoding: input.dropFirst(), as: UTF8.self)

        let route = RouteClassifier.classify(method: method, target: target, provider: provider, forwardUnjudged: forwardUnjudged)
        let again = RouteClassifier.classify(method: method, target: target, provider: provider, forwardUnjudged: forwardUnjudged)
        findings.expect(route == again, "classifying twice gave two answers")
        let context = "\(method) \(target.debugDescription) (\(provider.rawValue), forwardUnjudged: \(forwardUnjudged)) → \(route)"
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        switch route {
        case .pipeline(let pipeline):
            checkPipeline(pipeline, method: method, provider: provider, path: path, context: context, &findings)
        case .passThrough(let upstreamPath):
            checkPassThrough(upstreamPath, method: method, provider: provider, forwardUnjudged: forwardUnjudged, path: path, context: context, &findings)
        case .refused(let refusal):
            findings.expect(refusal.status == 400 || refusal.status == 404, "refused with status \(refusal.status): \(context)")
        }
    }

    private static func checkPipeline(
        _ route: PipelineRoute, method: String, provider: Provider, path: String, context: String, _ findings: inout FuzzFindings
    ) {
        findings.expect(method == "POST", "a \(method) went to the pipeline: \(context)")
        findings.expect(route.endpoint.provider == provider, "the endpoint is \(route.endpoint) under /v1/\(provider.rawValue): \(context)")
        findings.expect(RouteSpec.isPlainPath(route.upstreamPath), "unsafe upstream path: \(context)")
        if let agent = route.agentSegment {
            findings.expect(RouteSpec.isPlainSegment(agent), "unsafe agent segment: \(context)")
            findings.expect(path.hasPrefix("/v1/\(provider.rawValue)/\(agent)/"), "the agent segment is not the first segment: \(context)")
        }
        let agentPart = route.agentSegment == nil ? "" : "/:agentId"
        switch route.endpoint {
        case .openAIChatCompletions:
            findings.expect(route.upstreamPath == "/chat/completions", "chat completions go elsewhere: \(context)")
            findings.expect(route.template == "/v1/openai\(agentPart)/chat/completions", "template: \(context)")
        case .openAIResponses:
            findings.expect(route.upstreamPath == "/responses", "responses go elsewhere: \(context)")
            findings.expect(route.template == "/v1/openai\(agentPart)/responses", "template: \(context)")
        case .anthropicMessages:
            findings.expect(route.upstreamPath == "/messages", "messages go elsewhere: \(context)")
            findings.expect(
                ["/v1/anthropic\(agentPart)/messages", "/v1/anthropic\(agentPart)/v1/messages"].contains(route.template),
                "template: \(context)"
            )
        case .geminiGenerateContent:
            checkGemini(route, agentPart: agentPart, path: path, context: context, &findings)
        }
        findings.expect(path.hasSuffix(route.upstreamPath), "the upstream path is not the end of the request's path: \(context)")
    }

    private static func checkGemini(_ route: PipelineRoute, agentPart: String, path: String, context: String, _ findings: inout FuzzFindings) {
        let model = route.facts.model ?? ""
        let action = route.facts.streaming ? "streamGenerateContent" : "generateContent"
        findings.expect(!model.isEmpty && !model.contains(":") && RouteSpec.isPlainSegment(model), "bad model \(model.debugDescription): \(context)")
        findings.expect(route.upstreamPath == "/models/\(model):\(action)", "generateContent goes elsewhere: \(context)")
        findings.expect(route.template == "/v1/gemini\(agentPart)/models/:model:\(action)", "template: \(context)")
    }

    private static func checkPassThrough(
        _ upstreamPath: String, method: String, provider: Provider, forwardUnjudged: Bool, path: String, context: String,
        _ findings: inout FuzzFindings
    ) {
        findings.expect(RouteSpec.isPlainPath(upstreamPath), "unsafe upstream path: \(context)")
        findings.expect(path.hasPrefix("/v1/\(provider.rawValue)/"), "forwarded from outside /v1/\(provider.rawValue)/: \(context)")
        if upstreamPath != "/" {
            findings.expect(path.hasSuffix(upstreamPath), "the upstream path is not the end of the request's path: \(context)")
        }
        let writes = method == "POST" || method == "PUT" || method == "PATCH"
        if writes, !forwardUnjudged {
            findings.expect(RouteSpec.allowsUnjudged(upstreamPath, provider: provider), "an unjudged \(method) off the allow-list was forwarded: \(context)")
        }
    }
}
