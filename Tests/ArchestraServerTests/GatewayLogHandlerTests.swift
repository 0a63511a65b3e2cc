import ArchestraCore
import Foundation
import Logging
import Synchronization
import Testing

@testable import ArchestraServer

/// Log lines cannot be forged: in text every value that is not plain is quoted and escaped (no extra `key=value`,
/// no second line), and in JSON every line is one object.
@Suite("Gateway log handler")
struct GatewayLogHandlerTests {
    /// Everything written to a `LogOutput`.
    final class Written: Sendable {
        private let text = Mutex("")
        func append(_ more: String) { text.withLock { $0 += more } }
        var all: String { text.withLock { $0 } }
    }

    static func logger(_ format: AppConfig.LogFormat, into written: Written) -> Logger {
        let output = LogOutput { written.append($0) }
        var logger = Logger(label: "archestra") { label in GatewayLogHandler(label: label, format: format, output: output) }
        logger.logLevel = .trace
        return logger
    }

    /// Values a client controls and might use to forge a field or a line.
    static let hostile: [String] = [
        #"abc status=500 route=/admin evil="1""#, "two\nlines status=200", "cr\rreturn", "tab\there", #"back\slash"#,
        #"quote " inside"#, "nul\u{0}byte", "esc\u{1B}[31m", "del\u{7F}", "c1\u{85}next", "sep\u{2028}line\u{2029}para", "", " ",
        "key=value", "ünïcödé 🤖", #"\"escaped\""#, "=", "\"",
    ]

    /// Splits a text line into its fields after the `label:` prefix: bare tokens or `"…"` with `\` escapes.
    static func fields(of line: String) -> [String]? {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if quoted {
                if character == "\\" { escaped = true } else if character == "\"" { quoted = false }
                current.append(character)
            } else if character == " " {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                if character == "\"" { quoted = true }
                current.append(character)
            }
        }
        guard !quoted, !escaped else { return nil }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    @Test("Text: each hostile value stays inside its own field, on one line")
    func textCannotBeForged() throws {
        for value in Self.hostile {
            let written = Written()
            Self.logger(.text, into: written).info("request", metadata: ["request_id": .string(value), "method": "POST"])
            let text = written.all
            #expect(text.hasSuffix("\n"))
            #expect(text.filter { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{2029}" }.count == 1, "\(text.debugDescription)")
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(text.debugDescription)")
            let tokens = try #require(Self.fields(of: String(text.dropLast())), "unbalanced quoting: \(text.debugDescription)")
            // timestamp, level, label:, message, then exactly the two fields logged.
            #expect(tokens.count == 6, "\(tokens)")
            let keyed = tokens.dropFirst(4).filter { $0.contains("=") }
            #expect(keyed.count == 2, "\(tokens)")
            #expect(tokens.dropFirst(4).map { $0.prefix { $0 != "=" } } == ["method", "request_id"], "\(tokens)")
        }
    }

    @Test("Text: plain values are written bare, others quoted with escapes")
    func textQuoting() {
        let written = Written()
        Self.logger(.text, into: written).info(
            "request", metadata: ["a": "POST", "b": "/v1/openai/chat/completions", "c": "two words", "d": #"say "hi""#, "e": "x\ny", "f": "", "g": #"c:\dir"#]
        )
        let line = written.all
        #expect(line.contains(" a=POST "))
        #expect(line.contains(" b=/v1/openai/chat/completions "))
        #expect(line.contains(#" c="two words" "#))
        #expect(line.contains(#" d="say \"hi\"" "#))
        #expect(line.contains(#" e="x\ny" "#))
        #expect(line.contains(#" f="" "#))
        #expect(line.contains(#" g="c:\\dir""#))
        #expect(line.contains(" info archestra: request "))
    }

    @Test("Text: a hostile message and a hostile metadata key are escaped too")
    func textMessageAndKey() throws {
        let written = Written()
        Self.logger(.text, into: written).warning("bad\nthing status=500", metadata: ["evil key=1": "v"])
        let text = written.all
        #expect(text.filter { $0 == "\n" }.count == 1)
        let tokens = try #require(Self.fields(of: String(text.dropLast())))
        #expect(tokens.count == 5, "\(tokens)")
        #expect(tokens[3] == #""bad\nthing status=500""#)
        #expect(tokens[4] == #""evil key=1"=v"#)
    }

    @Test("JSON: each line is one object with the fields and values as logged")
    func jsonLines() throws {
        let written = Written()
        let logger = Self.logger(.json, into: written)
        for value in Self.hostile {
            logger.info("request", metadata: ["request_id": .string(value), "nested": ["list": ["a", "b"]]])
        }
        logger.error("multi\nline")
        let lines = written.all.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "", "ends with a newline")
        #expect(lines.count == Self.hostile.count + 2, "one line per event")
        for (index, line) in lines.dropLast().enumerated() {
            let object = try #require(try JSONParser.parse(Array(line.utf8)).objectValue, "not one JSON object: \(line)")
            #expect(object["level"] != nil && object["timestamp"] != nil && object["label"] == "archestra")
            if index < Self.hostile.count {
                #expect(object["message"] == "request")
                #expect(object["request_id"] == .string(Self.hostile[index]), "\(line)")
                #expect(object["nested"] == ["list": ["a", "b"]])
            } else {
                #expect(object["message"] == "multi\nline")
                #expect(object["level"] == "error")
            }
        }
    }

    @Test("JSON: metadata cannot overwrite the line's own fields")
    func jsonReservedFields() throws {
        let written = Written()
        Self.logger(.json, into: written).info("real", metadata: ["level": "critical", "message": "forged", "timestamp": "0"])
        let object = try #require(try JSONParser.parse(Array(written.all.utf8.dropLast())).objectValue)
        #expect(object["message"] == "real")
        #expect(object["level"] == "info")
        #expect(object["timestamp"] != "0")
    }
}
