import ArchestraCore
import ArchestraProviders
import Hummingbird

/// `/v1/{provider}/**`: one entry point per provider that hands each request to the pipeline or the pass-through.
struct ProviderRoutes {
    let services: ProxyServices

    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]

    func register(on router: Router<AppRequestContext>) {
        let openAI = ProxyPipeline(services: services, adapter: OpenAIChatAdapter())
        let passThrough = PassThroughRoutes(services: services)
        for provider in Provider.allCases {
            for method in Self.methods {
                router.on(RouterPath("/v1/\(provider.rawValue)/**"), method: method) { request, context -> Response in
                    switch try ProviderPath.classify(method: request.method.rawValue, path: request.uri.path, provider: provider) {
                    case .openAIChatCompletions(let agentId):
                        return try await openAI.handle(request, context: context, route: .init(agentId: agentId, upstreamPath: "/chat/completions"))
                    case .passThrough(let upstreamPath):
                        return try await passThrough.forward(request, context: context, provider: provider, path: upstreamPath)
                    }
                }
            }
        }
    }
}
