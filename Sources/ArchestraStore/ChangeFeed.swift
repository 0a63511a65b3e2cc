/// How instances sharing a database learn of each other's admin changes. The database announces every committed
/// change itself (inside the writing transaction), so writers need not remember to.
public protocol ChangeFeed: Sendable {
    /// Calls `onChange` for every announced change until cancelled, reconnecting after failures; also calls it after
    /// each (re)connection, since changes may have been missed while disconnected, and whenever the stored change
    /// version moves without an announcement (one lost with a connection), checking every `versionCheckInterval`.
    /// A listening connection that is lost is reported to `health` at once: it is often the first sign that the
    /// database went away.
    func listenForChanges(
        versionCheckInterval: Duration, health: StoreHealth?, _ onChange: @escaping @Sendable () -> Void
    ) async
}
