import Foundation

/// What a limit caps, over which window. Windows are calendar windows in UTC (a minute, a day, a month), the same
/// for every instance, so instances sharing a database count into the same window.
public enum LimitKind: String, Sendable, Hashable, CaseIterable {
    case requestsPerMinute = "requests_per_minute"
    case tokensPerDay = "tokens_per_day"
    case costUsdPerDay = "cost_usd_per_day"
    case costUsdPerMonth = "cost_usd_per_month"

    /// The window that holds `second` (seconds since 1970, UTC).
    public func window(at second: Int64) -> LimitWindow {
        switch self {
        case .requestsPerMinute:
            let start = second.floorDivided(by: 60) * 60
            return LimitWindow(start: start, end: start + 60)
        case .tokensPerDay, .costUsdPerDay:
            let start = second.floorDivided(by: 86_400) * 86_400
            return LimitWindow(start: start, end: start + 86_400)
        case .costUsdPerMonth:
            return UTCCalendar.month(containing: second)
        }
    }

    /// The limit as the 429's message names it.
    public func describe(_ value: Double) -> String {
        switch self {
        case .requestsPerMinute: "\(Int64(value)) requests per minute"
        case .tokensPerDay: "\(Int64(value)) tokens per day (UTC)"
        case .costUsdPerDay: "$\(Self.dollars(value)) per day (UTC)"
        case .costUsdPerMonth: "$\(Self.dollars(value)) per month (UTC)"
        }
    }

    /// Requests and tokens are counted in whole units; costs in dollars.
    public var countsWholeUnits: Bool { self == .requestsPerMinute || self == .tokensPerDay }

    /// The limit's value in the unit its counter counts (requests, tokens, nanodollars).
    public func counterUnits(_ value: Double) -> Int64 {
        countsWholeUnits ? Int64(value) : USDAmount(dollars: value)?.nanodollars ?? .max
    }

    private static func dollars(_ value: Double) -> String {
        USDAmount(dollars: value).map(\.description) ?? "\(value)"
    }
}

/// A half-open span of seconds since 1970: `start <= t < end`.
public struct LimitWindow: Sendable, Hashable {
    public var start: Int64
    public var end: Int64
}

/// Whose requests a limit counts: one agent's, or everyone's together.
public enum LimitScope: Sendable, Hashable {
    case global
    case agent(UUID)

    /// How the scope is stored: the agent's id, or the empty string for the global scope.
    public var storedValue: String {
        switch self {
        case .global: ""
        case .agent(let id): id.uuidString.lowercased()
        }
    }

    public init?(storedValue: String) {
        if storedValue.isEmpty {
            self = .global
        } else if let id = UUID(uuidString: storedValue) {
            self = .agent(id)
        } else {
            return nil
        }
    }
}

/// An operator's cap on requests, tokens or spend, for one agent or for all of them together.
public struct UsageLimit: Sendable, Hashable, Identifiable {
    public var id: UUID
    /// nil: the limit counts every agent's usage together.
    public var agentId: UUID?
    public var kind: LimitKind
    public var value: Double
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, agentId: UUID?, kind: LimitKind, value: Double, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.agentId = agentId
        self.kind = kind
        self.value = value
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var scope: LimitScope { agentId.map(LimitScope.agent) ?? .global }

    /// Why `value` cannot be a limit of `kind`, or nil when it can.
    public static func valueProblem(_ value: Double, kind: LimitKind) -> String? {
        guard value.isFinite, value > 0 else { return "must be a positive number" }
        if kind.countsWholeUnits {
            guard value == value.rounded(), value <= 1e15 else { return "must be a whole number of at most 10^15" }
        } else if value > 1e9 {
            return "must be at most 1000000000 (USD)"
        }
        return nil
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (seconds before 1970 belong to the earlier window).
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
