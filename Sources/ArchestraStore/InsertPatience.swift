/// How long the log writer waits for one insert before it counts the database as not answering and tries again.
///
/// An insert given up on keeps running (a driver may not honour cancellation), and the retry is a second insert of
/// the same rows. Against a database that is away, that is right: the first may never come back. Against one that
/// is only slow (a starved machine, a long checkpoint) it is wrong: every retry queues behind the last, and the
/// writer falls further behind the more it tries. The two are told apart by what happens to the insert given up
/// on: when it finishes after all, the database was slow, and the writer waits about twice that long from then on
/// (never more than `ceiling`, so an outage is still noticed); inserts well within it bring the patience back down.
public struct InsertPatience: Sendable, Equatable {
    /// The configured write timeout: the patience of a database that answers promptly.
    public let base: Duration
    /// The patience for the next insert.
    public private(set) var current: Duration

    /// The most the patience grows to.
    public var ceiling: Duration { base * 6 }

    public init(base: Duration) {
        self.base = base
        current = base
    }

    /// An insert finished after `took`, whether or not it was still being waited for.
    public mutating func insertFinished(after took: Duration) {
        if took > current {
            current = min(ceiling, took * 2)
        } else if took * 2 <= current {
            // A quarter of the base less per insert that took at most half the patience: one fast answer does not
            // undo the evidence, and inserts that keep taking about as long as before keep the patience they need.
            current = max(base, current - base / 4)
        }
    }
}
