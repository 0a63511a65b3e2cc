/// Calendar months in UTC from plain integer arithmetic (the proleptic Gregorian calendar), so the request path
/// never builds a `Calendar`.
enum UTCCalendar {
    /// The month holding `second` (seconds since 1970).
    static func month(containing second: Int64) -> LimitWindow {
        let (year, month, _) = civil(fromDays: second.floorDivided(by: 86_400))
        let start = days(year: year, month: month, day: 1) * 86_400
        let (nextYear, nextMonth) = month == 12 ? (year + 1, Int64(1)) : (year, month + 1)
        return LimitWindow(start: start, end: days(year: nextYear, month: nextMonth, day: 1) * 86_400)
    }

    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day counted from 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
