import ArchestraCore
import ArchestraProviders
import Foundation

extension AppConfig {
    /// One line per variable with the value in effect, defaults included, for `archestra config`. A secret is
    /// only said to be set or not; the database URL loses its password.
    public var effectiveSettings: [(variable: String, value: String)] {
        func secret(_ value: String?) -> String { value == nil ? "(not set)" : "(set)" }
        func seconds(_ duration: Duration) -> String { "\(duration.components.seconds)" }
        func milliseconds(_ duration: Duration) -> String {
            "\(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)"
        }
        let databaseURL: String = switch database {
        case .sqliteFile(let path): "sqlite://\(path)"
        case .sqliteMemory: "sqlite::memory:"
        case .postgres(let configuration): configuration.redactedURL
        }
        var settings: [(String, String)] = [
            ("ARCHESTRA_HOST", host),
            ("ARCHESTRA_PORT", "\(port)"),
            ("DATABASE_URL", databaseURL),
        ]
        for provider in Provider.allCases {
            settings.append((provider.vendor.baseURLVariable, upstreamBaseURLs[provider] ?? ""))
        }
        for provider in Provider.allCases {
            settings.append((provider.vendor.keyVariable, secret(serverKeys[provider])))
        }
        settings += [
            ("ARCHESTRA_REQUIRE_VIRTUAL_KEY", "\(requireVirtualKey)"),
            ("ARCHESTRA_ADMIN_TOKEN", secret(adminToken)),
            ("ARCHESTRA_METRICS_TOKEN", secret(metricsToken)),
            ("ARCHESTRA_ALLOW_UNJUDGED_ROUTES", "\(forwardUnjudgedRoutes)"),
            ("BENCHMARK_MOCK_MODE", "\(mockMode)"),
            ("ARCHESTRA_WEB_UI", "\(webUI)"),
            ("ARCHESTRA_EVENT_LOOP_EXECUTOR", "\(eventLoopExecutor)"),
            ("ARCHESTRA_MAX_BODY_BYTES", "\(maxBodyBytes)"),
            ("ARCHESTRA_MAX_UPSTREAM_BODY_BYTES", "\(maxUpstreamBodyBytes)"),
            ("ARCHESTRA_MAX_MESSAGES", "\(requestLimits.maxMessages)"),
            ("ARCHESTRA_MAX_TOOL_DECLARATIONS", "\(requestLimits.maxToolDeclarations)"),
            ("ARCHESTRA_MAX_TOOL_RESULTS", "\(requestLimits.maxToolResults)"),
            ("ARCHESTRA_MAX_AUTO_AGENTS", "\(stateLimits.maxAutoAgents)"),
            ("ARCHESTRA_MAX_TOOLS_PER_AGENT", "\(stateLimits.maxToolsPerAgent)"),
            ("ARCHESTRA_MAX_METRIC_LABEL_VALUES", "\(stateLimits.maxMetricLabelValues)"),
            ("ARCHESTRA_UPSTREAM_TIMEOUT_SECONDS", seconds(upstreamTimeout)),
            ("ARCHESTRA_UPSTREAM_CONNECTIONS_PER_HOST", "\(upstreamConnectionsPerHost)"),
            ("ARCHESTRA_DB_POOL_SIZE", "\(databasePoolSize)"),
            ("ARCHESTRA_DB_CONNECT_TIMEOUT_SECONDS", seconds(databaseConnectTimeout)),
            ("ARCHESTRA_CHANGE_CHECK_INTERVAL_MS", milliseconds(changeCheckInterval)),
            ("ARCHESTRA_LIMIT_SYNC_INTERVAL_MS", milliseconds(limitSyncInterval)),
            ("ARCHESTRA_SHUTDOWN_DRAIN_SECONDS", seconds(shutdown.drain)),
            ("ARCHESTRA_SHUTDOWN_TIMEOUT_SECONDS", seconds(shutdown.timeout)),
            ("ARCHESTRA_LOG_BATCH_SIZE", "\(logWriter.batchSize)"),
            ("ARCHESTRA_LOG_FLUSH_INTERVAL_MS", milliseconds(logWriter.flushInterval)),
            ("ARCHESTRA_LOG_BUFFER_RECORDS", "\(logWriter.bufferRecords)"),
            ("ARCHESTRA_LOG_BUFFER_BYTES", "\(logWriter.bufferBytes)"),
            ("ARCHESTRA_LOG_SPILL_DIR", logWriter.spillDirectory ?? "off"),
            ("ARCHESTRA_LOG_SPILL_BYTES", "\(logWriter.spillBytes)"),
            ("ARCHESTRA_ON_LOG_OVERFLOW", logWriter.overflow.rawValue),
            ("ARCHESTRA_LOG_DURABILITY", logWriter.durability.rawValue),
            ("ARCHESTRA_LOG_SYNC_TIMEOUT_MS", milliseconds(logWriter.syncTimeout)),
            ("ARCHESTRA_INTERACTION_RETENTION_DAYS", retentionDays.map { "\($0)" } ?? "(keep forever)"),
            ("LOG_FORMAT", logFormat.rawValue),
        ]
        return settings.map { (variable: $0.0, value: $0.1) }
    }
}
