import ArchestraCore
import ArchestraProviders
import Hummingbird
import ArchestraStore

/// `/v1/{provider}/**`: one entry point per provider that hands each request to its endpoint's pipeline, to the
/// pass-through, or refuses it, as the route classifier decides on the raw request target.
struct ProviderRoutes {
    let services: ProxyServices

    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]

    func register(on router: Router<AppRequestContext>) {
        let passThrough = PassThroughRoutes(services: services)
        let endpoints = EndpointPipelines(services: services)
        for provider in Provider.allCases {
            for method in Self.methods {
                router.on(RouterPath("/v1/\(provider.rawValue)/**"), method: method) { request, context -> Response in
                    switch ProxyRouting.classify(request, provider: provider, config: services.config) {
                    case .pipeline(let route):
                        return try await endpoints.handle(request, context: context, route: route)
                    case .passThrough(let upstreamPath):
                        return try await passThrough.forward(request, context: context, provider: provider, path: upstreamPath)
                    case .refused(let refusal):
                        throw GatewayError(refusal)
                    }
                }
            }
        }
    }
}

/// One pipeline per endpoint, built once.
struct EndpointPipelines: Sendable {
    let chatCompletions: ProxyPipeline<OpenAIChatAdapter>
    let responses: ProxyPipeline<OpenAIResponsesAdapter>
    let messages: ProxyPipeline<AnthropicMessagesAdapter>
    let generateContent: ProxyPipeline<GeminiGenerateContentAdapter>

    init(services: ProxyServices) {
        chatCompletions = ProxyPipeline(services: services, adapter: OpenAIChatAdapter())
        responses = ProxyPipeline(services: services, adapter: OpenAIResponsesAdapter())
        messages = ProxyPipeline(services: services, adapter: AnthropicMessagesAdapter())
        generateContent = ProxyPipeline(services: services, adapter: GeminiGenerateContentAdapter())
    }

    func handle(_ request: Request, context: AppRequestContext, route: PipelineRoute) async throws -> Response {
        do {
            switch route.endpoint {
            case .openAIChatCompletions: return try await chatCompletions.handle(request, context: context, route: route)
            case .openAIResponses: return try await responses.handle(request, context: context, route: route)
            case .anthropicMessages: return try await messages.handle(request, context: context, route: route)
            case .geminiGenerateContent: return try await generateContent.handle(request, context: context, route: route)
            }
        } catch is NewAgentUnavailable {
            throw Self.unavailable(NewAgentUnavailable.message, route: route)
        } catch StoreError.unavailable {
            // The database is away and this request needed something not in memory (a policy snapshot never loaded).
            throw Self.unavailable("The gateway cannot reach its database for this request; try again shortly.", route: route)
        }
    }

    static func unavailable(_ message: String, route: PipelineRoute) -> VendorShapedError {
        VendorShapedError(
            VendorError(kind: .unavailable, status: 503, message: message), vendor: route.endpoint.adapter.provider.vendor,
            headers: [.retryAfter: "5"]
        )
    }
}

/// The route classifier applied to a Hummingbird request.
enum ProxyRouting {
    static func classify(_ request: Request, provider: Provider, config: AppConfig) -> ProxyRoute {
        RouteClassifier.classify(
            method: request.method.rawValue, target: request.head.path ?? request.uri.description, provider: provider,
            forwardUnjudged: config.forwardUnjudgedRoutes
        )
    }
}

extension GatewayError {
    /// A route the classifier refused.
    init(_ refusal: RouteRefusal) {
        self = refusal.status == 400 ? .badRequest(refusal.message) : .notFound(refusal.message)
    }
}
