/// Tells the other instances sharing a database that admin data changed, so their in-memory snapshots are never
/// a correctness hole. Only engines that several instances can share implement it (PostgreSQL).
public protocol ChangeFeed: Sendable {
    /// Announces a change to every listening instance (this one included).
    func publishChange() async
    /// Calls `onChange` for every announced change until cancelled, reconnecting after failures; also calls it after
    /// each (re)connection, since changes may have been missed while disconnected.
    func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async
}
