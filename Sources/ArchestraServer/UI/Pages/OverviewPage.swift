import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/`: what the gateway did over the last hour, day or week, from the five-minute rollups.
struct OverviewPage {
    let ui: UIContext

    enum Range: String, CaseIterable {
        case hour, day, week

        var label: String {
            switch self {
            case .hour: "Last hour"
            case .day: "Last 24 hours"
            case .week: "Last 7 days"
            }
        }

        var seconds: TimeInterval {
            switch self {
            case .hour: 3600
            case .day: 24 * 3600
            case .week: 7 * 24 * 3600
            }
        }

        /// Seconds per chart bar.
        var barSeconds: TimeInterval {
            switch self {
            case .hour: InteractionRollup.bucketSeconds
            case .day: 3600
            case .week: 24 * 3600
            }
        }
    }

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("/") { request, context -> Response in
            let range = request.uri.queryParameters["range"].flatMap { Range(rawValue: String($0)) } ?? .day
            do {
                return try await render(range, state: context.ui)
            } catch {
                return ui.errorPage(error, state: context.ui, back: "/")
            }
        }
    }

    func render(_ range: Range, state: UIRequestState) async throws -> Response {
        let now = ui.proxy.clock.now()
        let end = InteractionRollup.bucket(of: now).addingTimeInterval(InteractionRollup.bucketSeconds)
        let start = end.addingTimeInterval(-range.seconds)
        let everything = try await ui.store.rollups(from: start, to: end)
        // Dual LLM rows carry spend only: they count in what was spent, not in requests.
        let rollups = everything.filter { !$0.isDualLLM }
        let spent = everything.total
        let total = rollups.total ?? InteractionRollup(bucket: start, agentId: UUID(), type: "", model: "")
        let names = Dictionary(try await ui.admin.agents.list().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let cards: [(String, String)] = [
            (UIFormat.count(total.requests), "requests"), (UIFormat.count(total.refusals), "refused replies"),
            (UIFormat.count(total.tainted), "tainted contexts"), (UIFormat.count(total.blockedResults), "blocked results"),
            (UIFormat.count(total.dualLlmResults), "Dual LLM summaries"), (UIFormat.percent(total.errors, of: total.requests), "error rate"),
            (UIFormat.dollars(USDAmount(nanodollars: spent?.costNanoUsd ?? 0)), "spent"),
            (UIFormat.count((spent?.inputTokens ?? 0) + (spent?.outputTokens ?? 0)), "tokens"),
        ]
        let byAgent = rollups.totals { $0.agentId }.sorted { $0.total.requests > $1.total.requests }.map { entry -> [String: Any] in
            ["id": entry.key.lowercasedString, "name": names[entry.key] ?? entry.key.lowercasedString] + counts(entry.total)
        }
        let byEndpoint = rollups.totals { $0.type }.sorted { $0.total.requests > $1.total.requests }.map { entry -> [String: Any] in
            ["name": entry.key] + counts(entry.total)
        }
        let context: [String: Any] = [
            "ranges": Range.allCases.map { ["key": $0.rawValue, "label": $0.label, "current": $0 == range] as [String: Any] },
            "rangeLabel": range.label.lowercased(), "cards": cards.map { ["value": $0.0, "label": $0.1] },
            "chart": BarChart.requests(rollups, from: start, to: end, barSeconds: range.barSeconds).context,
            "byAgent": byAgent, "byEndpoint": byEndpoint,
            "spendByAgent": SpendBars.from(
                everything, key: { $0.agentId.lowercasedString }, name: { names[UUID(uuidString: $0) ?? UUID()] ?? $0 },
                href: { "/ui/agents/\($0)" }
            ).context.map { $0 + ["label": "Spend by agent"] } as Any,
            "spendByModel": SpendBars.from(
                everything, key: \.model, name: { $0.isEmpty ? "(no model)" : $0 }, href: { _ in nil }
            ).context.map { $0 + ["label": "Spend by model"] } as Any,
            "overheadP50": UIFormat.duration(ui.proxy.metrics.overhead.quantile(0.5)),
            "overheadP99": UIFormat.duration(ui.proxy.metrics.overhead.quantile(0.99)),
        ]
        return ui.renderer.page("overview", title: "Overview", section: "overview", state: state, context: context)
    }

    private func counts(_ rollup: InteractionRollup) -> [String: Any] {
        [
            "requests": UIFormat.count(rollup.requests), "refusals": UIFormat.count(rollup.refusals),
            "tainted": UIFormat.count(rollup.tainted), "errors": UIFormat.count(rollup.errors),
        ]
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Both dictionaries' entries (the right one's on a clash).
    static func + (lhs: [String: Any], rhs: [String: Any]) -> [String: Any] {
        lhs.merging(rhs) { _, new in new }
    }
}
