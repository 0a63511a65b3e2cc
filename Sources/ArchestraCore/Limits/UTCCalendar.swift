/// Calendar months in UTC from plain integer arithmetic (the proleptic Gregorian calendar, as timestamps use), so
/// the request path never builds a `Calendar`.
enum UTCCalendar {
    /// The month holding `second` (seconds since 1970).
    static func month(containing second: Int64) -> LimitWindow {
        let (year, month, _) = Timestamp.civilDate(fromDays: Int(second.floorDivided(by: 86_400)))
        let start = Timestamp.daysFromCivil(year: year, month: month, day: 1) * 86_400
        let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
        return LimitWindow(start: Int64(start), end: Int64(Timestamp.daysFromCivil(year: nextYear, month: nextMonth, day: 1) * 86_400))
    }
}
