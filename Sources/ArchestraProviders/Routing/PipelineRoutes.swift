import ArchestraCore

extension RouteClassifier {
    /// The pipeline route a POST names, nil when it names none, or a refusal for a pipeline route with a bad
    /// agent segment or query. Matching is exact: an optional agent segment, then the endpoint's own shape.
    static func pipelineRoute(_ shape: RouteShape, query: Substring?, provider: Provider) -> Result<PipelineRoute?, RouteRefusal> {
        // A first segment that is not a UUID but is followed by an endpoint's shape is a malformed agent id.
        var agent = shape.agentSegment
        var path = shape.afterAgent
        if agent == nil, path.count > 1, !startsEndpointShape(path[0], provider: provider),
            endpointShape(Array(path.dropFirst()), provider: provider) != nil
        {
            agent = path[0]
            path.removeFirst()
        }
        guard let (endpoint, tail) = endpointShape(path, provider: provider) else { return .success(nil) }
        let agentPart = agent == nil ? "" : "/:agentId"
        switch endpoint {
        case .openAIChatCompletions:
            return .success(PipelineRoute(
                endpoint: endpoint, agentSegment: agent, upstreamPath: "/chat/completions", facts: RouteFacts(),
                template: "/v1/openai\(agentPart)/chat/completions"
            ))
        case .openAIResponses:
            return .success(PipelineRoute(
                endpoint: endpoint, agentSegment: agent, upstreamPath: "/responses", facts: RouteFacts(),
                template: "/v1/openai\(agentPart)/responses"
            ))
        case .anthropicMessages:
            return .success(PipelineRoute(
                endpoint: endpoint, agentSegment: agent, upstreamPath: "/messages", facts: RouteFacts(),
                template: "/v1/anthropic\(agentPart)\(path.first == "v1" ? "/v1" : "")/messages"
            ))
        case .geminiGenerateContent:
            let (model, action) = tail
            let streaming = action == "streamGenerateContent"
            if streaming, !QueryText.onlyValue("sse", of: "alt", in: query) {
                return .failure(.malformed("streamGenerateContent requires ?alt=sse"))
            }
            return .success(PipelineRoute(
                endpoint: endpoint, agentSegment: agent, upstreamPath: "/models/\(model):\(action)",
                facts: RouteFacts(model: model, streaming: streaming),
                template: "/v1/gemini\(agentPart)/models/:model:\(action)"
            ))
        }
    }

    /// The endpoint a path (after the agent segment) names exactly, with Gemini's model and action.
    private static func endpointShape(_ path: [String], provider: Provider) -> (Endpoint, (model: String, action: String))? {
        switch provider {
        case .openai:
            if path == ["chat", "completions"] { return (.openAIChatCompletions, ("", "")) }
            if path == ["responses"] { return (.openAIResponses, ("", "")) }
            return nil
        case .anthropic:
            return path == ["v1", "messages"] || path == ["messages"] ? (.anthropicMessages, ("", "")) : nil
        case .gemini:
            var rest = path[...]
            if let first = rest.first, first == "v1" || first == "v1beta" { rest = rest.dropFirst() }
            guard rest.count == 2, rest.first == "models", let last = rest.last, let colon = last.lastIndex(of: ":") else { return nil }
            let model = String(last[..<colon])
            let action = String(last[last.index(after: colon)...])
            // A model named `.` or `..` would put a dot segment's name into the provider's path: not a model.
            guard !model.isEmpty, model != ".", model != "..", !model.contains(":"),
                  action == "generateContent" || action == "streamGenerateContent" else { return nil }
            return (.geminiGenerateContent, (model, action))
        }
    }

    private static func startsEndpointShape(_ segment: String, provider: Provider) -> Bool {
        switch provider {
        case .openai: segment == "chat" || segment == "responses"
        case .anthropic: segment == "v1" || segment == "messages"
        case .gemini: segment == "v1" || segment == "v1beta" || segment == "models"
        }
    }
}

/// Reading a raw query string without decoding it.
enum QueryText {
    /// True when `name` appears and every occurrence has exactly `value`.
    static func onlyValue(_ value: String, of name: String, in query: Substring?) -> Bool {
        guard let query else { return false }
        var seen = false
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name else { continue }
            guard parts.count == 2, parts[1] == value else { return false }
            seen = true
        }
        return seen
    }
}
