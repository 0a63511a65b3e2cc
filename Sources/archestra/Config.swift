import ArchestraServer
import ArgumentParser
import Foundation

/// `archestra config`: print the configuration `serve` would use, defaults included, without starting anything.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective configuration (secrets only as set or not set) and exit."
    )

    @Option(help: "Listen address (overrides ARCHESTRA_HOST).") var host: String?
    @Option(help: "Listen port (overrides ARCHESTRA_PORT).") var port: Int?
    @Flag(name: .customLong("mock-mode"), help: "Benchmark mock mode, as for serve.") var mockMode = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let overrides = AppConfig.Overrides(host: host, port: port, databaseURL: common.databaseURL, mockMode: mockMode ? true : nil)
        let config: AppConfig
        do {
            config = try AppConfig.parse(environment: environment, overrides: overrides)
        } catch {
            fail("invalid configuration: \(error)")
        }
        var lines = config.effectiveSettings.map { "\($0.variable)=\($0.value)" }
        lines.append("LOG_LEVEL=\(environment["LOG_LEVEL"] ?? "info")")
        print(lines.joined(separator: "\n"))
    }
}
