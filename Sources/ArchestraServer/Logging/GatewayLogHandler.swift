import ArchestraCore
import Foundation
import Logging

/// The gateway's log lines, one per event, as text or JSON. Every value is written so that it cannot forge a
/// field or a line: in text, a value outside a plain character set is quoted with `"`, `\`, and control
/// characters escaped; in JSON, the writer escapes it. Metadata is kept as values and rendered only when a line
/// is written, so setting the request id on every request costs nothing until something is logged.
public struct GatewayLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let format: AppConfig.LogFormat
    private let output: LogOutput

    public init(label: String, format: AppConfig.LogFormat, output: LogOutput = .standardError) {
        self.label = label
        self.format = format
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var merged = metadata
        if let explicit { merged.merge(explicit) { _, new in new } }
        let timestamp = Timestamp.format(Date())
        let text: String
        switch format {
        case .text: text = Self.textLine(timestamp: timestamp, level: level, label: label, message: message.description, metadata: merged)
        case .json: text = Self.jsonLine(timestamp: timestamp, level: level, label: label, message: message.description, metadata: merged)
        }
        output.write(text + "\n")
    }

    /// `2026-12-01T10:00:00.000Z info archestra: request method=POST route=/v1/openai/chat/completions …`
    static func textLine(timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "\(timestamp) \(level) \(label): \(LogValue.message(message))"
        for key in metadata.keys.sorted() {
            line += " \(LogValue.text(key))=\(LogValue.text(LogValue.flatten(metadata[key]!)))"
        }
        return line
    }

    /// `{"timestamp":"…","level":"info","label":"archestra","message":"request","method":"POST",…}`
    static func jsonLine(timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var object: JSONObject = [
            "timestamp": .string(timestamp), "level": .string(level.rawValue), "label": .string(label), "message": .string(message),
        ]
        for key in metadata.keys.sorted() where object[key] == nil {
            object[key] = LogValue.json(metadata[key]!)
        }
        return JSONWriter.string(.object(object))
    }
}

/// Where log lines go; a class so that every copy of a handler shares one lock.
public final class LogOutput: Sendable {
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()

    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Standard error, unbuffered.
    public static let standardError = LogOutput { text in FileHandle.standardError.write(Data(text.utf8)) }

    func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        write(text)
    }
}

/// Rendering of log values.
enum LogValue {
    /// The value as is when it is plain (`[A-Za-z0-9._:/@+-]`, not empty), else quoted with escapes, so a value
    /// can never end a field or a line.
    static func text(_ value: String) -> String {
        if !value.isEmpty, value.utf8.allSatisfy(isPlain) { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    quoted += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: "+"),
            UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// A message: written as is when it could not be mistaken for anything else (the code's own sentences), else
    /// quoted like a value, so a message holding a line break, a quote or `key=value` cannot forge a field or a line.
    static func message(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || $0 == "\"" || $0 == "=" }) else { return text }
        return self.text(text)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// A metadata value as one string (nested values in a compact form).
    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let items): return "[" + items.map(flatten).joined(separator: ",") + "]"
        case .dictionary(let dictionary): return "{" + dictionary.keys.sorted().map { "\($0)=\(flatten(dictionary[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// A metadata value as JSON.
    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let dictionary): return .object(JSONObject(dictionary.keys.sorted().map { ($0, json(dictionary[$0]!)) }))
        }
    }
}
