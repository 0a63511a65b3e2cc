import Foundation
import Testing

@testable import ArchestraServer

@Suite("archestra config: the effective settings")
struct EffectiveSettingsTests {
    static let secrets = [
        "OPENAI_API_KEY": "sk-openai-secret", "ANTHROPIC_API_KEY": "sk-ant-secret", "GEMINI_API_KEY": "gemini-secret",
        "ARCHESTRA_ADMIN_TOKEN": "admin-secret", "ARCHESTRA_METRICS_TOKEN": "metrics-secret",
        "DATABASE_URL": "postgres://user:db-secret@db.example:5432/archestra",
    ]

    @Test("Secrets are said to be set, never shown; the database URL loses its password")
    func noSecrets() throws {
        let settings = try AppConfig.parse(environment: Self.secrets).effectiveSettings
        let text = settings.map { "\($0.variable)=\($0.value)" }.joined(separator: "\n")
        for secret in ["sk-openai-secret", "sk-ant-secret", "gemini-secret", "admin-secret", "metrics-secret", "db-secret"] {
            #expect(!text.contains(secret))
        }
        let values = Dictionary(settings.map { ($0.variable, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(values["OPENAI_API_KEY"] == "(set)")
        #expect(values["ARCHESTRA_ADMIN_TOKEN"] == "(set)")
        #expect(values["DATABASE_URL"]?.hasPrefix("postgres://user:") == true)
        #expect(try AppConfig.parse(environment: [:]).effectiveSettings.first { $0.variable == "ARCHESTRA_ADMIN_TOKEN" }?.value == "(not set)")
    }

    @Test("Values in effect, set or defaulted, in the units their variables use", arguments: [
        ("ARCHESTRA_LOG_FLUSH_INTERVAL_MS", "75", "75"),
        ("ARCHESTRA_SHUTDOWN_DRAIN_SECONDS", "12", "12"),
        ("ARCHESTRA_CHANGE_CHECK_INTERVAL_MS", "250", "250"),
        ("ARCHESTRA_LOG_SPILL_DIR", "off", "off"),
        ("ARCHESTRA_ON_LOG_OVERFLOW", "drop", "drop"),
        ("ARCHESTRA_INTERACTION_RETENTION_DAYS", "30", "30"),
        ("ARCHESTRA_DB_POOL_SIZE", "7", "7"),
        ("ARCHESTRA_EVENT_LOOP_EXECUTOR", "true", "true"),
    ])
    func values(variable: String, set: String, shown: String) throws {
        let settings = try AppConfig.parse(environment: [variable: set]).effectiveSettings
        #expect(settings.first { $0.variable == variable }?.value == shown)
    }

    @Test("The event loops run Swift's tasks only with ARCHESTRA_EVENT_LOOP_EXECUTOR=true; another value is refused at start")
    func eventLoopExecutor() throws {
        #expect(try !AppConfig.parse(environment: [:]).eventLoopExecutor)
        #expect(try AppConfig.parse(environment: ["ARCHESTRA_EVENT_LOOP_EXECUTOR": "true"]).eventLoopExecutor)
        #expect(throws: ConfigError.self) { try AppConfig.parse(environment: ["ARCHESTRA_EVENT_LOOP_EXECUTOR": "sometimes"]) }
    }

    @Test("Every variable in the README's configuration table is printed (the two read elsewhere excepted)")
    func documentedVariablesAreShown() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let table = text.components(separatedBy: "## Configuration")[1].components(separatedBy: "\n## ")[0]
        var documented: Set<String> = []
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let firstCell = line.dropFirst(2).prefix { $0 != "|" }
            for part in firstCell.split(separator: "`") where part.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }) && part.count > 3 {
                documented.insert(String(part))
            }
        }
        #expect(documented.count > 40)
        let shown = Set(try AppConfig.parse(environment: [:]).effectiveSettings.map(\.variable))
        // Read before the configuration: the open-admin consent only at start, the log level by the logger.
        #expect(documented.subtracting(shown).subtracting(["ARCHESTRA_ALLOW_OPEN_ADMIN", "LOG_LEVEL"]) == [])
        #expect(shown.subtracting(documented) == [])
    }
}
