import Hummingbird

/// The request context of every route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `ObservabilityMiddleware`; sent upstream so provider logs can be matched with ours.
    public var requestId: String?
    /// Set by the UI's middleware on web UI routes.
    var ui = UIRequestState()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
