import Logging
import Synchronization

/// Everything logged through a `CapturingLogHandler`, rendered as text (message, metadata, source).
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }

    /// A logger at trace level whose every line lands here.
    func logger(label: String = "archestra-test") -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

/// A swift-log handler that keeps every line, with all metadata, for inspection.
struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if let provided = metadataProvider?.get() { merged.merge(provided) { old, _ in old } }
        let error = event.error.map { " error=\($0)" } ?? ""
        capture.append("\(event.level) [\(label)] \(event.message) \(merged)\(error) source=\(event.source)")
    }
}
