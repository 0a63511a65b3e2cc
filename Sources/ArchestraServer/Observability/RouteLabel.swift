import ArchestraCore
import ArchestraProviders
import Synchronization

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
        let key = method + " " + target
        let memorable = key.utf8.count <= memorisedTargetLength
        if memorable, let known = labels.withLock({ $0[key] }) { return known }
        let label = switch RouteClassifier.classify(method: method, target: target, provider: provider) {
        case .pipeline(let route): route.template
        default: "/v1/\(provider.rawValue)/*"
        }
        if memorable {
            labels.withLock { labels in
                if labels.count >= labelMemory { labels.removeAll(keepingCapacity: true) }
                labels[key] = label
            }
        }
        return label
    }

    /// Labels by method and target: classifying walks the whole target, and clients send the same few targets
    /// again and again. Bounded: short targets only, and the table starts afresh when full.
    private static let labels = Mutex<[String: String]>([:])
    static let labelMemory = 1_024
    static let memorisedTargetLength = 512
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
