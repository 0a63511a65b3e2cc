import ArchestraCore
import Foundation

/// How JSON text is kept when a database cannot hold it as it is.
///
/// PostgreSQL's `jsonb` refuses two things a client may legitimately send: the escape `\u0000` and an unpaired
/// surrogate escape such as `\ud800`. Such a document (and, so that the scheme stays reversible, any document that
/// is itself shaped like the wrapper) is stored as `{"$archestraRaw": "<base64 of the exact bytes>"}` and turned
/// back into the original text when read. Every other document is stored as it is. Both engines use it, so an
/// interaction reads back the same whichever database holds it.
public enum StoredJSON {
    /// The wrapper's one key.
    public static let wrapperKey = "$archestraRaw"

    /// The text to store.
    public static func encode(_ text: String) -> String {
        guard needsWrapping(text) else { return text }
        return "{\"\(wrapperKey)\":\"\(Data(text.utf8).base64EncodedString())\"}"
    }

    /// The original text of a stored value.
    public static func decode(_ stored: String) -> String {
        guard let payload = wrappedPayload(stored), let data = Data(base64Encoded: payload) else { return stored }
        return String(decoding: data, as: UTF8.self)
    }

    /// True when `text` holds what `jsonb` refuses, or could read back as the wrapper itself.
    public static func needsWrapping(_ text: String) -> Bool {
        wrappedPayload(text) != nil || hasUnstorableEscape(text) || couldReadAsWrapper(text)
    }

    /// Whether the database could give the document back in the wrapper's shape: `jsonb` drops whitespace, keeps
    /// only the last of duplicate keys and decodes escapes, so `{"$archestraRaw":"x","$archestraRaw":"aGk="}` or
    /// `{"\u0024archestraRaw":"aGk="}` would otherwise read back as "hi". Only an object whose first key is the
    /// wrapper's can, so only such a document is parsed; one that does not parse is wrapped too, wrapping being
    /// lossless.
    static func couldReadAsWrapper(_ text: String) -> Bool {
        guard firstKey(of: text) == wrapperKey else { return false }
        guard let value = try? JSONParser.parse(text) else { return true }
        guard case .object(let object) = value else { return false }
        return object.members.allSatisfy { $0.key == wrapperKey }
    }

    /// The first member's key of an object's text, escapes decoded; nil when the text does not start that way.
    static func firstKey(of text: String) -> String? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var bytes = text.utf8.drop(while: isSpace)
        guard bytes.first == UInt8(ascii: "{") else { return nil }
        bytes = bytes.dropFirst().drop(while: isSpace)
        guard bytes.first == UInt8(ascii: "\"") else { return nil }
        var end = bytes.index(after: bytes.startIndex)
        var escaped = false
        while end < bytes.endIndex {
            let byte = bytes[end]
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { break }
            end = bytes.index(after: end)
        }
        guard end < bytes.endIndex else { return nil }
        return (try? JSONParser.parse(String(decoding: bytes[bytes.startIndex...end], as: UTF8.self)))?.stringValue
    }

    /// The base64 payload when `text` is exactly a wrapper object (any JSON whitespace, as PostgreSQL may re-render
    /// it). Read on bytes: every stored and every read document passes through here.
    static func wrappedPayload(_ text: String) -> String? {
        let bytes = text.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        func isBase64(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
                return true
            default:
                return false
            }
        }
        var rest = bytes[...].drop(while: isSpace)
        func take(_ expected: String) -> Bool {
            guard rest.starts(with: expected.utf8) else { return false }
            rest = rest.dropFirst(expected.utf8.count).drop(while: isSpace)
            return true
        }
        guard take("{"), take("\"\(wrapperKey)\""), take(":"), rest.first == UInt8(ascii: "\"") else { return nil }
        let payload = rest.dropFirst().prefix(while: isBase64)
        rest = rest[payload.endIndex...]
        guard rest.first == UInt8(ascii: "\"") else { return nil }
        rest = rest.dropFirst().drop(while: isSpace)
        guard rest.elementsEqual(CollectionOfOne(UInt8(ascii: "}"))) else { return nil }
        return String(Substring(payload))
    }

    /// A `\u0000` escape or a surrogate escape that is not half of a high-low pair, inside a string.
    static func hasUnstorableEscape(_ text: String) -> Bool {
        var text = text
        return text.withUTF8(hasUnstorableEscape(in:))
    }

    private static func hasUnstorableEscape(in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Most documents have no \u escape at all.
        guard bytes.firstIndex(of: UInt8(ascii: "\\")) != nil else { return false }
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if !inString {
                if byte == UInt8(ascii: "\"") { inString = true }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = false
                index += 1
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { return false }
                guard bytes[index + 1] == UInt8(ascii: "u") else {
                    index += 2
                    continue
                }
                guard let unit = hex4(bytes, at: index + 2) else { return false }
                if unit == 0 || (0xDC00...0xDFFF).contains(unit) { return true }
                if (0xD800...0xDBFF).contains(unit) {
                    let next = index + 6
                    guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u"),
                        let low = hex4(bytes, at: next + 2), (0xDC00...0xDFFF).contains(low)
                    else { return true }
                    index = next + 6
                } else {
                    index += 6
                }
            default:
                index += 1
            }
        }
        return false
    }

    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32? {
        guard start + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[start..<start + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
