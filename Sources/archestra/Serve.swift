import ArchestraServer
import ArgumentParser
import Foundation
import Hummingbird

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
            try await gateway.application.runService()
        } catch {
            // The store must be closed before the process ends, or SQLite's connection asserts on deinit.
            try? await gateway.store.shutdown()
            fail(StartupFailure.describe(error, config: config))
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
