import ArchestraStore
import Foundation

/// A bar chart drawn by the server as SVG (no script, nothing fetched): bars of requests with the refused part
/// over them, for each bucket of a range. Only numbers and fixed labels go into it; the template escapes them.
struct BarChart {
    struct Bar {
        var start: Date
        var requests: Int
        var refusals: Int
    }

    let bars: [Bar]
    let label: String
    let barSeconds: TimeInterval

    static let width = 900.0
    static let height = 220.0
    static let left = 44.0
    static let bottom = 24.0
    static let top = 10.0

    /// Requests and refusals per bar of `barSeconds`, every bucket of the range present (empty ones at zero).
    static func requests(_ rollups: [InteractionRollup], from start: Date, to end: Date, barSeconds seconds: TimeInterval) -> BarChart {
        let count = max(Int(((end.timeIntervalSince(start)) / seconds).rounded(.up)), 1)
        var bars = (0..<count).map { Bar(start: start.addingTimeInterval(Double($0) * seconds), requests: 0, refusals: 0) }
        for rollup in rollups {
            let index = Int(rollup.bucket.timeIntervalSince(start) / seconds)
            guard bars.indices.contains(index) else { continue }
            bars[index].requests += rollup.requests
            bars[index].refusals += rollup.refusals
        }
        return BarChart(bars: bars, label: "Requests and refusals", barSeconds: seconds)
    }

    /// The template's values: grid lines, bars and axis labels, in SVG coordinates.
    var context: [String: Any] {
        let plotWidth = Self.width - Self.left - 8
        let plotHeight = Self.height - Self.bottom - Self.top
        let peak = Self.niceCeiling(bars.map(\.requests).max() ?? 0)
        let slot = plotWidth / Double(max(bars.count, 1))
        let barWidth = max(slot * 0.75, 1)
        func y(_ value: Int) -> Double { Self.top + plotHeight - plotHeight * Double(value) / Double(peak) }
        let gridlines = (0...4).map { step -> [String: Any] in
            let value = peak * step / 4
            return ["x1": Self.left, "x2": Self.width - 8, "y": y(value), "labelX": 4, "textY": y(value) + 3, "value": UIFormat.count(value)]
        }
        let bars = bars.enumerated().map { index, bar -> [String: Any] in
            let x = Self.left + Double(index) * slot + (slot - barWidth) / 2
            return [
                "x": x, "w": barWidth, "y": y(bar.requests), "h": max(y(0) - y(bar.requests), 0),
                "refusedY": y(bar.refusals), "refusedH": max(y(0) - y(bar.refusals), 0),
                "tooltip": "\(UIFormat.time(bar.start)): \(bar.requests) requests, \(bar.refusals) refused",
            ]
        }
        let every = max(self.bars.count / 8, 1)
        let ticks = self.bars.enumerated().filter { $0.offset % every == 0 }.map { index, bar -> [String: Any] in
            let time = UIFormat.time(bar.start)
            let label = barSeconds >= 24 * 3600 ? String(time.prefix(10)) : String(time.dropFirst(11).prefix(5))
            return ["x": Self.left + (Double(index) + 0.5) * slot, "y": Self.height - 6, "label": label]
        }
        return [
            "width": Self.width, "height": Self.height, "label": label, "gridlines": gridlines, "bars": bars, "ticks": ticks,
        ]
    }

    /// 1, 2, 5 × a power of ten, at least `value` and at least 4.
    static func niceCeiling(_ value: Int) -> Int {
        var magnitude = 1
        while magnitude * 10 <= max(value, 1) { magnitude *= 10 }
        for factor in [1, 2, 5, 10] where factor * magnitude >= value { return max(factor * magnitude, 4) }
        return max(value, 4)
    }
}
