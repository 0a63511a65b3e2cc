import ArchestraCore
import Foundation

/// How the UI writes values.
enum UIFormat {
    /// `2026-12-01 14:03:22` (UTC).
    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        let text = Timestamp.format(date)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// `1,234,567`.
    static func count(_ number: Int) -> String {
        let digits = String(abs(number))
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return number < 0 ? "-" + grouped : grouped
    }

    /// Milliseconds with two decimals.
    /// Dollars for a table: cents from a dollar up; below, exact to the millionth of a dollar (a call often costs
    /// fractions of a cent).
    static func dollars(_ amount: USDAmount?) -> String {
        guard let amount else { return "" }
        if amount.nanodollars == 0 { return "$0" }
        if abs(amount.nanodollars) >= 1_000_000_000 { return "$" + String(format: "%.2f", amount.dollars) }
        let micro = USDAmount(nanodollars: (amount.nanodollars / 1_000) * 1_000)
        return micro.nanodollars == 0 ? "< $0.000001" : "$" + micro.description
    }

    /// A token count with thousands separators, or nothing when none was reported.
    static func tokens(_ count: Int?) -> String { count.map(Self.count) ?? "" }

    static func milliseconds(_ value: Double) -> String { String(format: "%.2f", value) }

    /// `42 µs`, `1.25 ms`, `3.10 s`.
    static func duration(_ duration: Duration?) -> String {
        guard let duration else { return "—" }
        let microseconds = Double(duration.nanoseconds) / 1000
        if microseconds < 1000 { return String(format: "%.0f µs", microseconds) }
        if microseconds < 1_000_000 { return String(format: "%.2f ms", microseconds / 1000) }
        return String(format: "%.2f s", microseconds / 1_000_000)
    }

    /// `12.5 %`.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "—" : String(format: "%.1f %%", Double(part) * 100 / Double(whole))
    }

    /// Pretty JSON when the text is JSON, else the text.
    static func prettyJSON(_ text: String) -> String {
        (try? JSONParser.parse(text)).map(JSONWriter.prettyString) ?? text
    }

    /// A `datetime-local` field's value (UTC) for a time, and back.
    static func localInput(_ date: Date?) -> String {
        guard let date else { return "" }
        return String(Timestamp.format(date).prefix(16))
    }

    static func parseLocalInput(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        let padded = text.count == 16 ? text + ":00.000Z" : text.count == 19 ? text + ".000Z" : text
        return Timestamp.parse(padded)
    }
}
