import ArchestraCore
import ArchestraProviders

/// The bounded `route` label of a request: the matched template, never a raw path (ids would explode the series).
enum RouteLabel {
    /// `endpointPath` is Hummingbird's matched template (`/api/agents/{id}`); nil or `NotFound` when no route matched.
    static func of(method: String, target: String, endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return "unmatched" }
        if endpointPath.hasSuffix("/**"), let provider = Provider.allCases.first(where: { target.hasPrefix("/v1/\($0.rawValue)/") }) {
            return providerRoute(method: method, target: target, provider: provider)
        }
        return endpointPath.replacingParameterBraces()
    }

    private static func providerRoute(method: String, target: String, provider: Provider) -> String {
        switch RouteClassifier.classify(method: method, target: target, provider: provider) {
        case .pipeline(let route):
            return route.template
        default:
            return "/v1/\(provider.rawValue)/*"
        }
    }
}

extension String {
    /// `/api/agents/{id}` → `/api/agents/:id`, the form the original platform's dashboards use.
    func replacingParameterBraces() -> String {
        var result = ""
        var inParameter = false
        for character in self {
            switch character {
            case "{": inParameter = true; result.append(":")
            case "}" where inParameter: inParameter = false
            default: result.append(character)
            }
        }
        return result
    }
}
