import ArchestraCore
import ArchestraProviders
import Hummingbird

/// `/v1/{provider}/**`: one entry point per provider that hands each request to its pipeline or the pass-through.
struct ProviderRoutes {
    let services: ProxyServices

    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]

    func register(on router: Router<AppRequestContext>) {
        let passThrough = PassThroughRoutes(services: services)
        let openAI = ProxyPipeline(services: services, adapter: OpenAIChatAdapter())
        let anthropic = ProxyPipeline(services: services, adapter: AnthropicAdapter())
        let gemini = ProxyPipeline(services: services, adapter: GeminiAdapter())
        for provider in Provider.allCases {
            for method in Self.methods {
                router.on(RouterPath("/v1/\(provider.rawValue)/**"), method: method) { request, context -> Response in
                    let path = try ProviderPath.classify(
                        method: request.method.rawValue, path: request.uri.path, query: request.uri.query, provider: provider
                    )
                    switch path {
                    case .pipeline(let target):
                        switch provider {
                        case .openai: return try await openAI.handle(request, context: context, target: target)
                        case .anthropic: return try await anthropic.handle(request, context: context, target: target)
                        case .gemini: return try await gemini.handle(request, context: context, target: target)
                        }
                    case .passThrough(let upstreamPath):
                        return try await passThrough.forward(request, context: context, provider: provider, path: upstreamPath)
                    }
                }
            }
        }
    }
}
