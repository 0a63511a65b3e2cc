import ArchestraServer
import ArgumentParser
import Foundation
import Logging

@main
struct Archestra: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A security gateway between AI agents and their LLM providers.",
        subcommands: [Serve.self, Migrate.self, Config.self]
    )
}

/// Options shared by the commands that touch the database.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Overrides DATABASE_URL.")
    var databaseURL: String?
}

/// Reports a startup failure as one line on standard error and exits non-zero.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("archestra: \(message)\n".utf8))
    exit(1)
}

/// The process's logger: every line through the gateway's handler, in the configured format.
func makeLogger(format: AppConfig.LogFormat) -> Logger {
    var logger = Logger(label: "archestra") { label in GatewayLogHandler(label: label, format: format) }
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}
