import Foundation

/// One counter: how much of one kind a scope used in one window.
public struct LimitCounterKey: Sendable, Hashable {
    public var scope: LimitScope
    public var kind: LimitKind
    public var windowStart: Int64

    public init(scope: LimitScope, kind: LimitKind, windowStart: Int64) {
        self.scope = scope
        self.kind = kind
        self.windowStart = windowStart
    }
}

/// A request turned away by a limit.
public struct LimitExceeded: Sendable, Hashable, Error {
    public var limit: UsageLimit
    /// Whole seconds until the limit's window is over (at least 1).
    public var retryAfterSeconds: Int64

    /// The 429's message: which limit, and when it frees.
    public var message: String {
        let whose = limit.agentId == nil ? "the gateway's global limit" : "this agent's limit"
        return "Request refused by \(whose) of \(limit.kind.describe(limit.value)) (limit \(limit.id.uuidString.lowercased())); "
            + "it frees in \(retryAfterSeconds) s."
    }
}

/// What an instance knows of every counter: the totals all instances had stored when it last read them, what it
/// is storing now, and what it counted since. The request path reads and adds here only; a background task trades
/// the pending amounts for fresh totals. Pure: the clock and the database stay outside.
public struct LimitLedger: Sendable {
    /// Totals of the current windows as last read from the shared store (this instance's stored amounts included).
    private var stored: [LimitCounterKey: Int64] = [:]
    /// Taken for storing, not yet confirmed: still counted, so a check during the round trip misses nothing.
    private var inFlight: [LimitCounterKey: Int64] = [:]
    /// Counted here since the last exchange.
    private var pending: [LimitCounterKey: Int64] = [:]

    public init() {}

    /// The amount a counter holds as far as this instance knows.
    public func amount(_ key: LimitCounterKey) -> Int64 {
        stored[key, default: 0] &+ inFlight[key, default: 0] &+ pending[key, default: 0]
    }

    /// The first of `limits` (those that apply to `agentId`) already used up at `second`, preferring the one that
    /// frees last; nil when the request may go on.
    public func exceeded(_ limits: [UsageLimit], at second: Int64) -> LimitExceeded? {
        var worst: LimitExceeded?
        for limit in limits {
            let window = limit.kind.window(at: second)
            let key = LimitCounterKey(scope: limit.scope, kind: limit.kind, windowStart: window.start)
            guard amount(key) >= limit.kind.counterUnits(limit.value) else { continue }
            let wait = max(1, window.end - second)
            if worst.map({ wait > $0.retryAfterSeconds }) ?? true {
                worst = LimitExceeded(limit: limit, retryAfterSeconds: wait)
            }
        }
        return worst
    }

    /// Admits a request unless a limit is used up; an admitted request counts in its agent's and the global
    /// requests-per-minute counters at once, so requests racing on one instance cannot overshoot together.
    public mutating func admit(agentId: UUID, limits: [UsageLimit], at second: Int64) -> LimitExceeded? {
        if let exceeded = exceeded(limits, at: second) { return exceeded }
        add(1, of: .requestsPerMinute, agentId: agentId, at: second)
        return nil
    }

    /// Counts what an answered request used: its tokens and its cost (nanodollars).
    public mutating func spent(tokens: Int64, nanodollars: Int64, agentId: UUID, at second: Int64) {
        if tokens > 0 { add(tokens, of: .tokensPerDay, agentId: agentId, at: second) }
        if nanodollars > 0 {
            add(nanodollars, of: .costUsdPerDay, agentId: agentId, at: second)
            add(nanodollars, of: .costUsdPerMonth, agentId: agentId, at: second)
        }
    }

    private mutating func add(_ amount: Int64, of kind: LimitKind, agentId: UUID, at second: Int64) {
        let start = kind.window(at: second).start
        for scope in [LimitScope.agent(agentId), .global] {
            pending[LimitCounterKey(scope: scope, kind: kind, windowStart: start), default: 0] &+= amount
        }
    }

    /// Hands over what was counted since the last exchange, to be added to the shared totals. Until `settle` or
    /// `unsettled` it still counts.
    public mutating func takePending() -> [LimitCounterKey: Int64] {
        let taken = pending
        for (key, amount) in taken { inFlight[key, default: 0] &+= amount }
        pending.removeAll(keepingCapacity: true)
        return taken
    }

    /// The amounts taken were stored, and `totals` are the shared totals of the current windows read after that:
    /// they replace what was known (counters of windows that are over are forgotten).
    public mutating func settle(totals: [LimitCounterKey: Int64]) {
        stored = totals
        inFlight.removeAll(keepingCapacity: true)
    }

    /// The totals known so far with `amounts` (just stored) added: what to settle with when the amounts were
    /// stored but the fresh totals could not be read.
    public func storedTotals(adding amounts: [LimitCounterKey: Int64]) -> [LimitCounterKey: Int64] {
        stored.merging(amounts, uniquingKeysWith: &+)
    }

    /// The amounts taken could not be stored: they are pending again (those of windows over by `second` are
    /// dropped, since no check reads them any more).
    public mutating func unsettled(at second: Int64) {
        for (key, amount) in inFlight where key.kind.window(at: second).start <= key.windowStart {
            pending[key, default: 0] &+= amount
        }
        inFlight.removeAll(keepingCapacity: true)
        pending = pending.filter { $0.key.kind.window(at: second).start <= $0.key.windowStart }
        stored = stored.filter { $0.key.kind.window(at: second).start <= $0.key.windowStart }
    }
}
