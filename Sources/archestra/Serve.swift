import ArchestraServer
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// `archestra serve`: migrate, then serve until SIGTERM/SIGINT (which drain requests and flush the log).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway.")

    @Option(help: "Listen address (overrides ARCHESTRA_HOST).") var host: String?
    @Option(help: "Listen port (overrides ARCHESTRA_PORT).") var port: Int?
    @Flag(name: .customLong("mock-mode"), help: "Answer pipeline requests with canned replies (benchmark mode).") var mockMode = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let overrides = AppConfig.Overrides(host: host, port: port, databaseURL: common.databaseURL, mockMode: mockMode ? true : nil)
        let config: AppConfig
        do {
            config = try AppConfig.parse(environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            fail("invalid configuration: \(error)")
        }
        if config.eventLoopExecutor {
            // Before the gateway starts any task: from here on, a request's work stays on the event loop thread
            // that reads and writes its connection instead of hopping to Swift's own pool and back (about 14 % of
            // the CPU per request on keep-alive connections). Parsing and judging large bodies, and SQLite, still
            // run on threads of their own; what remains of a very large request's work delays other connections.
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let logger = makeLogger(format: config.logFormat)
        let gateway: Gateway
        do {
            gateway = try await buildGateway(config: config, logger: logger) { _ in
                // Written unbuffered: print() to a pipe would sit in a buffer until exit.
                FileHandle.standardOutput.write(Data((config.startupSummary + "\n").utf8))
            }
        } catch {
            fail(StartupFailure.describe(error, config: config))
        }
        do {
            try await serve(gateway, config: config, logger: logger)
        } catch {
            // The store must be closed before the process ends, or SQLite's connection asserts on deinit.
            try? await gateway.store.shutdown()
            fail(StartupFailure.describe(error, config: config))
        }
    }

    /// Serves until SIGTERM or SIGINT, then shuts down in the order a load balancer needs: `/ready` turns 503 at
    /// once while requests are still served for the drain period; then the server stops accepting and lets the
    /// requests in flight finish; then every waiting interaction record is stored. A second signal ends the drain
    /// early.
    private func serve(_ gateway: Gateway, config: AppConfig, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: gateway.application)], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger
        )
        // Requests in flight get the shutdown timeout; the records they leave get the writer's patience.
        configuration.maximumGracefulShutdownDuration = config.shutdown.timeout + .seconds(20)
        let group = ServiceGroup(configuration: configuration)
        let drain = config.shutdown.drain
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                var draining: Task<Void, Never>?
                for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    if draining == nil {
                        gateway.beginDraining()
                        logger.notice("shutting down: /ready answers 503 while requests are still served", metadata: [
                            "signal": "\(signal)", "drainSeconds": "\(drain.components.seconds)",
                        ])
                        draining = Task {
                            try? await Task.sleep(for: drain)
                            await group.triggerGracefulShutdown()
                        }
                    } else {
                        draining?.cancel()
                        await group.triggerGracefulShutdown()
                        return
                    }
                }
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}

/// One-line explanations of the ways a start can fail.
enum StartupFailure {
    static func describe(_ error: any Error, config: AppConfig) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") { return "cannot listen on \(config.host):\(config.port): address already in use" }
        if text.contains("Cannot assign requested address") || text.contains("Name or service not known") {
            return "cannot listen on \(config.host):\(config.port): no such local address"
        }
        return "cannot start: \(text)"
    }

}
