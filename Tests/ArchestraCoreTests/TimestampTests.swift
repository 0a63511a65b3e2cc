import ArchestraCore
import Foundation
import Testing

@Suite("Timestamp")
struct TimestampTests {
    /// The instant `millis` milliseconds after 1970, built from whole milliseconds.
    static func instant(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// Milliseconds since 1970, rounded to the nearest (immune to binary floating point).
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    static func pad(_ value: some BinaryInteger, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static let known: [(millis: Int64, text: String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (1_760_517_000_000, "2025-10-15T08:30:00.000Z"),
        (1_760_516_200_123, "2025-10-15T08:16:40.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (-1_080_234_581_785, "1935-10-09T06:50:18.215Z"),
        (-2_151_143_396_024, "1901-11-01T12:10:03.976Z"),
        (2_190_812_214_661, "2039-06-04T14:56:54.661Z"),
        (2_172_099_471_312, "2038-10-31T00:57:51.312Z"),
        (68_466_600_239, "1972-03-03T10:30:00.239Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
    ]

    @Test("Formats whole-millisecond instants, before 1970 included", arguments: known)
    func format(millis: Int64, text: String) {
        #expect(Timestamp.format(Self.instant(millis)) == text)
    }

    @Test("Parses what it formats back to the same millisecond", arguments: known)
    func parse(millis: Int64, text: String) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(Self.millis(date) == millis)
        #expect(Timestamp.format(date) == text)
    }

    @Test("Parses other fraction lengths and no fraction")
    func parseFractions() throws {
        let base: Int64 = 1_760_517_000_000
        let cases: [(String, Int64)] = [
            ("2025-10-15T08:30:00Z", base), ("2025-10-15T08:30:00.5Z", base + 500), ("2025-10-15T08:30:00.25Z", base + 250),
            ("2025-10-15T08:30:00.042000Z", base + 42),
        ]
        for (text, expected) in cases {
            let date = try #require(Timestamp.parse(text), "\(text)")
            #expect(Self.millis(date) == expected, "\(text)")
        }
    }

    @Test("Rejects anything but YYYY-MM-DDTHH:MM:SS[.fff]Z", arguments: [
        "", "2025-10-15", "2025-10-15 08:30:00.000Z", "2025-10-15T08:30:00.000", "2025-10-15T08:30:00.000+00:00",
        "2025-10-15T08:30:00.Z", "20251015T083000.000Z", "2025-1x-15T08:30:00.000Z", "2025-10-15T08:30:0a.000Z",
        "2025-10-15T08:30:00,000Z", "2025-10-15T08:30:00.00xZ", "not a timestamp at all..Z",
    ])
    func rejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("Every millisecond of a second round-trips through format and parse", arguments: [
        1_760_516_200, 2_190_812_214, -1_080_234_582, 68_466_600, 0, -1, 951_782_399, 4_102_444_799,
    ] as [Int64])
    func everyMillisecondRoundTrips(second: Int64) throws {
        let prefix = String(Timestamp.format(Self.instant(second * 1000)).prefix(20))
        var wrong: [String] = []
        for offset in Int64(0)..<1000 {
            let millis = second * 1000 + offset
            let text = Timestamp.format(Self.instant(millis))
            let parsed = Timestamp.parse(text)
            if text != prefix + Self.pad(offset, 3) + "Z" || parsed.map(Self.millis) != millis
                || parsed.map(Timestamp.format) != text
            {
                wrong.append("\(millis) → \(text)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of 1000 milliseconds, e.g. \(wrong.prefix(5))")
    }

    @Test("February has 29 days exactly in leap years", arguments: [
        (1600, true), (1700, false), (1900, false), (1904, true), (1968, true), (1969, false), (2000, true),
        (2023, false), (2024, true), (2100, false), (2400, true),
    ])
    func leapYears(year: Int, isLeap: Bool) throws {
        let yearText = Self.pad(year, 4)
        let february28 = try #require(Timestamp.parse("\(yearText)-02-28T12:00:00.000Z"))
        let next = Timestamp.format(february28.addingTimeInterval(86_400))
        #expect(next == (isLeap ? "\(yearText)-02-29T12:00:00.000Z" : "\(yearText)-03-01T12:00:00.000Z"))
        let march1 = try #require(Timestamp.parse("\(yearText)-03-01T00:00:00.000Z"))
        #expect(Timestamp.format(march1.addingTimeInterval(-0.001)) == (isLeap ? "\(yearText)-02-29T23:59:59.999Z" : "\(yearText)-02-28T23:59:59.999Z"))
    }

    @Test("Calendar dates agree with Foundation's Gregorian calendar, day by day", arguments: [
        (1899, 1901), (1969, 1971), (1999, 2001), (2099, 2101),
    ])
    func agreesWithFoundation(fromYear: Int, toYear: Int) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var date = try #require(calendar.date(from: DateComponents(year: fromYear, month: 1, day: 1, hour: 13, minute: 7, second: 9)))
        let end = try #require(calendar.date(from: DateComponents(year: toYear, month: 12, day: 31)))
        while date < end {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = "\(Self.pad(parts.year!, 4))-\(Self.pad(parts.month!, 2))-\(Self.pad(parts.day!, 2))T"
                + "\(Self.pad(parts.hour!, 2)):\(Self.pad(parts.minute!, 2)):\(Self.pad(parts.second!, 2)).000Z"
            #expect(Timestamp.format(date) == expected)
            #expect(Timestamp.parse(expected).map(Self.millis) == Self.millis(date))
            date.addTimeInterval(86_400)
        }
    }
}
