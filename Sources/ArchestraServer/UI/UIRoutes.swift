import ArchestraCore
import Hummingbird

/// The web UI: the overview at `/`, every other page under `/ui`, all behind the UI's session and CSRF guard.
struct UIRoutes {
    let ui: UIContext
    let assets: StaticAssets

    func register(on router: Router<AppRequestContext>) {
        let root = router.group().add(middleware: UIMiddleware(session: ui.session, clock: ui.proxy.clock))
        OverviewPage(ui: ui).register(on: root)
        let pages = root.group("ui")
        assets.register(on: pages)
        LoginPage(ui: ui).register(on: pages)
        AgentPages(ui: ui).register(on: pages)
        ToolPages(ui: ui).register(on: pages)
        LogPages(ui: ui).register(on: pages)
        DualLLMPage(ui: ui).register(on: pages)
        CostsPage(ui: ui).register(on: pages)
        ConnectPage(ui: ui).register(on: pages)
    }
}

/// The UI's templates and static files, loaded once at start.
struct UIPages: Sendable {
    let renderer: UIRenderer
    let assets: StaticAssets

    static func load() async throws -> UIPages {
        UIPages(renderer: try await UIRenderer.load(), assets: try StaticAssets.load())
    }
}
