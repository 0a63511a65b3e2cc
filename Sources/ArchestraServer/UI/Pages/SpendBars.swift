import ArchestraCore
import ArchestraStore
import Foundation

/// Spend per agent or per model as horizontal bars drawn by the server as SVG, the biggest first: the bar is the
/// cost, the text beside it the cost and the tokens. Names come from clients and are escaped by the template.
struct SpendBars {
    struct Entry {
        var name: String
        var href: String?
        var cost: USDAmount
        var tokens: Int
    }

    let entries: [Entry]

    /// Drawn at about its own size in half a page's width.
    static let width = 480.0
    static let rowHeight = 26.0
    static let labelWidth = 140.0
    static let valueWidth = 165.0
    /// The longest list drawn; the rest are summed into one last bar.
    static let maxBars = 10

    /// The rollups' cost and tokens per key, the Dual LLM's included, biggest first.
    static func from(
        _ rollups: [InteractionRollup], key: (InteractionRollup) -> String, name: (String) -> String, href: (String) -> String?
    ) -> SpendBars {
        var entries = rollups.totals(by: key).map { group in
            Entry(
                name: name(group.key), href: href(group.key), cost: USDAmount(nanodollars: group.total.costNanoUsd),
                tokens: group.total.inputTokens + group.total.outputTokens
            )
        }.filter { $0.cost.nanodollars > 0 || $0.tokens > 0 }
        entries.sort { ($0.cost, $0.tokens, $1.name) > ($1.cost, $1.tokens, $0.name) }
        if entries.count > maxBars {
            let rest = entries[(maxBars - 1)...]
            entries = Array(entries.prefix(maxBars - 1)) + [Entry(
                name: "\(rest.count) others", href: nil, cost: rest.map(\.cost).reduce(.zero, +), tokens: rest.map(\.tokens).reduce(0, +)
            )]
        }
        return SpendBars(entries: entries)
    }

    /// A name cut to fit beside the bars (the tooltip has it whole).
    static func short(_ name: String, limit: Int = 22) -> String {
        name.count <= limit ? name : String(name.prefix(limit - 1)) + "…"
    }

    /// The template's values; nil when nothing was spent (the page says so instead).
    var context: [String: Any]? {
        guard !entries.isEmpty else { return nil }
        let peak = max(entries.map(\.cost.nanodollars).max() ?? 0, 1)
        let plot = Self.width - Self.labelWidth - Self.valueWidth
        let rows = entries.enumerated().map { index, entry -> [String: Any] in
            let y = Double(index) * Self.rowHeight
            return [
                "name": Self.short(entry.name), "href": entry.href as Any, "y": y + 17, "barY": y + 5, "barX": Self.labelWidth,
                "barW": max(plot * Double(entry.cost.nanodollars) / Double(peak), entry.cost.nanodollars > 0 ? 2 : 0),
                "valueX": Self.width - Self.valueWidth + 8,
                "value": "\(UIFormat.dollars(entry.cost)) · \(UIFormat.count(entry.tokens)) tokens",
                "tooltip": "\(entry.name): \(UIFormat.dollars(entry.cost)), \(UIFormat.count(entry.tokens)) tokens",
            ]
        }
        return ["width": Self.width, "height": Double(entries.count) * Self.rowHeight + 4, "rows": rows]
    }
}
