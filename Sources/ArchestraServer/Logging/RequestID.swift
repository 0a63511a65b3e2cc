/// Request ids: a client's own `x-request-id` is kept only when it is 1–128 characters of `[A-Za-z0-9._:-]`,
/// so it can be put in log lines, response headers and upstream requests as it is; anything else gets a new id.
enum RequestID {
    static let maxLength = 128

    /// The client's id when it is acceptable.
    static func accept(_ header: String?) -> String? {
        guard let header, !header.isEmpty, header.utf8.count <= maxLength, header.utf8.allSatisfy(isAllowed) else { return nil }
        return header
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
