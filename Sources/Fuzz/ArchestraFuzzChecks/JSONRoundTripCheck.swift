import ArchestraCore

/// `JSONParser.parse` on arbitrary bytes: it returns or throws (never traps), every entry point agrees, and what it
/// accepts survives the writers: parse → write → parse gives the same value and the same bytes again.
enum JSONRoundTripCheck {
    /// Checks one input.
    static func run(_ input: [UInt8], _ findings: inout FuzzFindings) {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(input)
        } catch {
            let offset = error.offset
            findings.expect((0...input.count).contains(offset), "error offset \(offset) outside \(input.count) bytes")
            // The copying entry point (a sequence without contiguous storage) must refuse it too.
            let viaSequence = try? JSONParser.parse(input.lazy.map { $0 })
            findings.expect(viaSequence == nil, "the sequence entry point accepts what the byte one refused")
            return
        }
        let written = JSONWriter.bytes(parsed)
        agreeingEntryPoints(input, written: written, &findings)
        guard let reparsed = try? JSONParser.parse(written) else {
            findings.fail("the writer's output does not parse: \(describe(written))")
            return
        }
        findings.expect(reparsed == parsed, "parse → write → parse changed the value")
        findings.expect(JSONWriter.bytes(reparsed) == written, "writing the reparsed value gives other bytes")
        // Pretty-printing is the same value again.
        let pretty = JSONWriter.prettyString(parsed)
        if let value = try? JSONParser.parse(pretty) {
            findings.expect(JSONWriter.bytes(value) == written, "the pretty-printed text parses to another value")
        } else {
            findings.fail("the pretty-printed text does not parse")
        }
        shortestNumbers(parsed, &findings)
        accessorsDoNotTrap(parsed)
    }

    /// Parsing from a string (when the input is UTF-8) and from a non-contiguous sequence gives the same value.
    private static func agreeingEntryPoints(_ input: [UInt8], written: [UInt8], _ findings: inout FuzzFindings) {
        if let viaSequence = try? JSONParser.parse(input.lazy.map { $0 }) {
            findings.expect(JSONWriter.bytes(viaSequence) == written, "the sequence entry point parses another value")
        } else {
            findings.fail("the sequence entry point refuses what the byte one accepted")
        }
        guard let text = String(validating: input, as: UTF8.self) else { return }
        if let viaString = try? JSONParser.parse(text) {
            findings.expect(JSONWriter.bytes(viaString) == written, "the string entry point parses another value")
        } else {
            findings.fail("the string entry point refuses what the byte one accepted")
        }
    }

    /// Numbers written the JavaScript way (as refusals quote arguments) are still JSON, of the same value.
    private static func shortestNumbers(_ parsed: JSONValue, _ findings: inout FuzzFindings) {
        let text = JSONWriter.string(parsed, numbers: .shortest)
        guard let value = try? JSONParser.parse(text) else {
            findings.fail("the shortest-number text does not parse: \(text.prefix(200))")
            return
        }
        if let difference = numericDifference(parsed, value) {
            findings.fail("shortest numbers changed a value: \(difference)")
        }
    }

    /// Where two values differ, comparing numbers by their double value; nil when they agree.
    private static func numericDifference(_ lhs: JSONValue, _ rhs: JSONValue) -> String? {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            guard let x = Double(a), let y = Double(b) else { return a == b ? nil : "\(a) → \(b)" }
            return x == y || (x.isNaN && y.isNaN) ? nil : "\(a) → \(b)"
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return "array length \(a.count) → \(b.count)" }
            return zip(a, b).lazy.compactMap(numericDifference).first
        case (.object(let a), .object(let b)):
            guard a.keys == b.keys else { return "object keys changed" }
            return zip(a.members, b.members).lazy.compactMap { numericDifference($0.value, $1.value) }.first
        default:
            return lhs == rhs ? nil : "\(lhs.typeName) changed"
        }
    }

    /// The accessors the adapters use on untrusted numbers (`index`, token counts) must not trap.
    private static func accessorsDoNotTrap(_ value: JSONValue) {
        switch value {
        case .number:
            _ = value.intValue
            _ = value.doubleValue
        case .array(let elements): elements.forEach(accessorsDoNotTrap)
        case .object(let object): object.members.forEach { accessorsDoNotTrap($0.value) }
        default: break
        }
    }

    private static func describe(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(200), as: UTF8.self)
    }
}
