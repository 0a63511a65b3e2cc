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
    /// The methods the server hands to the classifier (ProviderRoutes.methods); POST twice, as the one that matters.
    static let methods = ["POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "POST"]
    /// The agent id bit 7 puts first.
    static let agentId = "0b4c0a6e-2f6d-4c59-9a51-9d8c7e6f5a41"

    /// One classification and what it must satisfy.
    struct Case {
        var method: String
        var target: String
        var provider: Provider
        var forwardUnjudged: Bool
        var route: ProxyRoute

        /// The target's path, without the query.
        var path: String { String(target.prefix { $0 != "?" }) }
        /// `/v1/{provider}/`.
        var prefix: String { "/v1/\(provider.rawValue)/" }

        /// The request and its route, for messages.
        var description: String {
            let settings = "\(provider.rawValue), forwardUnjudged: \(forwardUnjudged)"
            return "\(method) \(target.debugDescription) (\(settings)) → \(route)"
        }
    }

    /// Checks one input.
    static func run(_ input: [UInt8], _ findings: inout FuzzFindings) {
        let control = input.first ?? 0
        let provider = Provider.allCases[Int(control & 0x03) % Provider.allCases.count]
        let forwardUnjudged = control & 0x04 != 0
        let method = methods[Int(control >> 3) & 0x07]
        var target = ""
        if control & 0x40 != 0 { target += "/v1/\(provider.rawValue)/" }
        if control & 0x80 != 0 { target += "\(agentId)/" }
        target += String(decoding: input.dropFirst(), as: UTF8.self)

        let classify = {
            RouteClassifier.classify(
                method: method, target: target, provider: provider, forwardUnjudged: forwardUnjudged
            )
        }
        let route = classify()
        let check = Case(
            method: method, target: target, provider: provider, forwardUnjudged: forwardUnjudged, route: route
        )
        findings.expect(classify() == route, "classifying twice gave two answers: \(check.description)")
        switch route {
        case .pipeline(let pipeline): checkPipeline(pipeline, check, &findings)
        case .passThrough(let upstreamPath): checkPassThrough(upstreamPath, check, &findings)
        case .refused(let refusal):
            findings.expect([400, 404].contains(refusal.status), "refused with \(refusal.status): \(check.description)")
        }
    }

    private static func checkPipeline(_ route: PipelineRoute, _ check: Case, _ findings: inout FuzzFindings) {
        let context = check.description
        findings.expect(check.method == "POST", "a \(check.method) went to the pipeline: \(context)")
        findings.expect(route.endpoint.provider == check.provider, "another provider's endpoint: \(context)")
        findings.expect(RouteSpec.isPlainPath(route.upstreamPath), "unsafe upstream path: \(context)")
        let fromRequest = check.path.hasSuffix(route.upstreamPath)
        findings.expect(fromRequest, "upstream path not taken from the request: \(context)")
        if let agent = route.agentSegment {
            findings.expect(RouteSpec.isPlainSegment(agent), "unsafe agent segment: \(context)")
            findings.expect(check.path.hasPrefix(check.prefix + agent + "/"), "agent not the first segment: \(context)")
        }
        let agentPart = route.agentSegment == nil ? "" : "/:agentId"
        let expected: (path: String, templates: [String])
        switch route.endpoint {
        case .openAIChatCompletions: expected = ("/chat/completions", ["/v1/openai\(agentPart)/chat/completions"])
        case .openAIResponses: expected = ("/responses", ["/v1/openai\(agentPart)/responses"])
        case .anthropicMessages:
            expected = ("/messages", ["/v1/anthropic\(agentPart)/messages", "/v1/anthropic\(agentPart)/v1/messages"])
        case .geminiGenerateContent:
            let model = route.facts.model ?? ""
            let action = route.facts.streaming ? "streamGenerateContent" : "generateContent"
            let modelIsPlain = !model.contains(":") && RouteSpec.isPlainSegment(model)
            findings.expect(modelIsPlain, "bad model \(model.debugDescription): \(context)")
            expected = ("/models/\(model):\(action)", ["/v1/gemini\(agentPart)/models/:model:\(action)"])
        }
        findings.expect(route.upstreamPath == expected.path, "the endpoint goes elsewhere: \(context)")
        findings.expect(expected.templates.contains(route.template), "template \(route.template): \(context)")
    }

    private static func checkPassThrough(_ upstreamPath: String, _ check: Case, _ findings: inout FuzzFindings) {
        let context = check.description
        findings.expect(RouteSpec.isPlainPath(upstreamPath), "unsafe upstream path: \(context)")
        findings.expect(check.path.hasPrefix(check.prefix), "forwarded from outside \(check.prefix): \(context)")
        if upstreamPath != "/" {
            findings.expect(check.path.hasSuffix(upstreamPath), "upstream path not taken from the request: \(context)")
        }
        let writes = ["POST", "PUT", "PATCH"].contains(check.method)
        if writes, !check.forwardUnjudged {
            let allowed = RouteSpec.allowsUnjudged(upstreamPath, provider: check.provider)
            findings.expect(allowed, "an unjudged \(check.method) off the allow-list was forwarded: \(context)")
        }
    }
}
