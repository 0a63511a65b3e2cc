@testable import ArchestraCore
import Foundation
import Testing

@Suite("Limits: windows, verdicts and the shared ledger")
struct LimitLedgerTests {
    /// Seconds since 1970 of a UTC time, e.g. "2024-02-29T23:59:59Z".
    static func second(_ text: String) -> Int64 {
        Int64(ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970)
    }

    @Test("Windows are UTC calendar minutes, days and months", arguments: [
        (LimitKind.requestsPerMinute, "2026-11-30T14:05:59Z", "2026-11-30T14:05:00Z", "2026-11-30T14:06:00Z"),
        (.requestsPerMinute, "2026-11-30T14:06:00Z", "2026-11-30T14:06:00Z", "2026-11-30T14:07:00Z"),
        (.tokensPerDay, "2026-11-30T23:59:59Z", "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z"),
        (.costUsdPerDay, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
        (.costUsdPerMonth, "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        (.costUsdPerMonth, "2024-02-29T12:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
        (.costUsdPerMonth, "2100-02-28T12:00:00Z", "2100-02-01T00:00:00Z", "2100-03-01T00:00:00Z"),
        (.costUsdPerMonth, "2000-03-01T00:00:00Z", "2000-03-01T00:00:00Z", "2000-04-01T00:00:00Z"),
        (.costUsdPerMonth, "1969-12-31T23:59:59Z", "1969-12-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        (.tokensPerDay, "1969-12-31T23:59:59Z", "1969-12-31T00:00:00Z", "1970-01-01T00:00:00Z"),
    ])
    func windows(kind: LimitKind, at time: String, start: String, end: String) {
        #expect(kind.window(at: Self.second(time)) == LimitWindow(start: Self.second(start), end: Self.second(end)))
    }

    @Test("Every day of four centuries round-trips through the civil calendar")
    func civilCalendar() {
        var previous: (Int, Int, Int)?
        for day in -146_097...(146_097 * 3) {
            let (year, month, dayOfMonth) = Timestamp.civilDate(fromDays: day)
            #expect(Timestamp.daysFromCivil(year: year, month: month, day: dayOfMonth) == day)
            if let (y, m, d) = previous, !(y == year && m == month && d + 1 == dayOfMonth) {
                // A new month starts on the 1st, right after the previous one's last day.
                #expect(dayOfMonth == 1 && (month == m + 1 && year == y || month == 1 && m == 12 && year == y + 1))
            }
            previous = (year, month, dayOfMonth)
        }
    }

    @Test("Limit values: positive, whole for requests and tokens, bounded", arguments: [
        (LimitKind.requestsPerMinute, 60.0, nil as String?),
        (.requestsPerMinute, 0.5, "must be a whole number of at most 10^15"),
        (.requestsPerMinute, 0, "must be a positive number"),
        (.tokensPerDay, -1, "must be a positive number"),
        (.tokensPerDay, .infinity, "must be a positive number"),
        (.tokensPerDay, .nan, "must be a positive number"),
        (.tokensPerDay, 2e15, "must be a whole number of at most 10^15"),
        (.costUsdPerDay, 0.01, nil),
        (.costUsdPerMonth, 2e9, "must be at most 1000000000 (USD)"),
    ])
    func values(kind: LimitKind, value: Double, problem: String?) {
        #expect(UsageLimit.valueProblem(value, kind: kind) == problem)
    }

    static let agent = UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!
    static let other = UUID(uuidString: "00000000-0000-0000-0000-00000000000B")!
    static let now = second("2026-11-30T14:05:20Z")

    static func limit(_ kind: LimitKind, _ value: Double, agent: UUID? = LimitLedgerTests.agent) -> UsageLimit {
        UsageLimit(id: UUID(), agentId: agent, kind: kind, value: value, createdAt: Date(), updatedAt: Date())
    }

    @Test("Requests per minute: the limit-th request passes, the next is refused until the minute is over")
    func requestsPerMinute() throws {
        var ledger = LimitLedger()
        let limits = [Self.limit(.requestsPerMinute, 3)]
        for _ in 0..<3 { #expect(ledger.admit(agentId: Self.agent, limits: limits, at: Self.now) == nil) }
        let fourth = ledger.admit(agentId: Self.agent, limits: limits, at: Self.now + 1)
        let refused = try #require(fourth)
        #expect(refused.retryAfterSeconds == 39)
        #expect(refused.message.contains("3 requests per minute"))
        // A refused request does not count; another agent is not affected; the next minute starts afresh.
        #expect(ledger.amount(LimitCounterKey(scope: .agent(Self.agent), kind: .requestsPerMinute, windowStart: Self.now - 20)) == 3)
        #expect(ledger.admit(agentId: Self.other, limits: [], at: Self.now) == nil)
        #expect(ledger.admit(agentId: Self.agent, limits: limits, at: Self.now + 40) == nil)
    }

    @Test("A global limit counts every agent together")
    func globalLimit() {
        var ledger = LimitLedger()
        let limits = [Self.limit(.requestsPerMinute, 2, agent: nil)]
        #expect(ledger.admit(agentId: Self.agent, limits: limits, at: Self.now) == nil)
        #expect(ledger.admit(agentId: Self.other, limits: limits, at: Self.now) == nil)
        let third = ledger.admit(agentId: Self.agent, limits: limits, at: Self.now)
        #expect(third != nil && third?.limit.agentId == nil)
    }

    @Test("Budgets: spent tokens and cost refuse the next request once they reach the limit", arguments: [
        (LimitKind.tokensPerDay, 1_000.0, Int64(999), Int64(0), false),
        (.tokensPerDay, 1_000, 1_000, 0, true),
        (.costUsdPerDay, 0.01, 0, 9_999_999, false),
        (.costUsdPerDay, 0.01, 0, 10_000_000, true),
        (.costUsdPerMonth, 5, 0, 5_000_000_000, true),
        (.costUsdPerMonth, 5, 1_000_000, 4_999_999_999, false),
    ])
    func budgets(kind: LimitKind, value: Double, tokens: Int64, nanos: Int64, refused: Bool) throws {
        var ledger = LimitLedger()
        let limits = [Self.limit(kind, value)]
        #expect(ledger.admit(agentId: Self.agent, limits: limits, at: Self.now) == nil)
        ledger.spent(tokens: tokens, nanodollars: nanos, agentId: Self.agent, at: Self.now)
        let verdict = ledger.admit(agentId: Self.agent, limits: limits, at: Self.now)
        #expect((verdict != nil) == refused)
        if let verdict {
            let window = kind.window(at: Self.now)
            #expect(verdict.retryAfterSeconds == window.end - Self.now)
        }
    }

    @Test("When several limits are used up, the one that frees last is named")
    func worstLimit() throws {
        var ledger = LimitLedger()
        let midMonth = Self.second("2026-11-10T12:00:00Z")
        ledger.spent(tokens: 10, nanodollars: 10_000_000_000, agentId: Self.agent, at: midMonth)
        let limits = [Self.limit(.tokensPerDay, 10), Self.limit(.costUsdPerMonth, 1), Self.limit(.costUsdPerDay, 1)]
        let refused = try #require(ledger.exceeded(limits, at: midMonth))
        #expect(refused.limit.kind == .costUsdPerMonth)
        #expect(refused.retryAfterSeconds == Self.second("2026-12-01T00:00:00Z") - midMonth)
    }

    @Test("Pending amounts still count while they are being stored, are replaced by the shared totals, and come back when storing fails")
    func exchange() {
        var ledger = LimitLedger()
        let key = LimitCounterKey(scope: .global, kind: .requestsPerMinute, windowStart: Self.now - 20)
        for _ in 0..<4 { _ = ledger.admit(agentId: Self.agent, limits: [], at: Self.now) }
        let taken = ledger.takePending()
        #expect(taken[key] == 4)
        #expect(ledger.amount(key) == 4)  // in flight still counts
        _ = ledger.admit(agentId: Self.agent, limits: [], at: Self.now)
        // Another instance had added 10: the totals read hold its 10 and these 4; the fifth is still pending.
        ledger.settle(totals: [key: 14])
        #expect(ledger.amount(key) == 15)
        var taken2 = ledger.takePending()
        #expect(taken2[key] == 1)
        ledger.unsettled(at: Self.now)
        #expect(ledger.amount(key) == 15)
        taken2 = ledger.takePending()
        #expect(taken2[key] == 1)
        // Once the minute is over, failed amounts of it are dropped: nothing checks them any more.
        ledger.unsettled(at: Self.now + 60)
        #expect(ledger.amount(key) == 0)
        let none = ledger.takePending()
        #expect(none.isEmpty)
    }
}
