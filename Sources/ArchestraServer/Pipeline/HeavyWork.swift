import NIOPosix

/// Runs the CPU-heavy pure steps of a large request (parsing, validating, judging, re-encoding) on NIO's blocking
/// thread pool. Swift's cooperative pool has one thread per core; a few huge requests judged there would occupy
/// all of them and stall every other request, health checks included. Small requests, nearly all of them, stay
/// where they are: a thread hop costs more than their work.
enum HeavyWork {
    /// Request bodies from this size on are worked on off the cooperative pool.
    static let threshold = 64 * 1024

    static func run<T: Sendable>(size: Int, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard size >= threshold else { return try work() }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }
}
