import ArchestraServer
import ArgumentParser
import Foundation

/// `archestra migrate`: apply the schema migrations and exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config: AppConfig
        do {
            config = try AppConfig.parse(
                environment: ProcessInfo.processInfo.environment, overrides: .init(databaseURL: common.databaseURL)
            )
        } catch {
            fail("invalid configuration: \(error)")
        }
        do {
            try await migrateDatabase(config.database, logger: makeLogger(format: config.logFormat))
            print("Migrations applied to \(config.database.summary)")
        } catch {
            fail("migration failed: \(error)")
        }
    }
}
