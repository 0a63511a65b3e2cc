import ArchestraCore
import Crypto
import Foundation

extension Interaction {
    /// The record kept when the database refuses the full one: who, when, what came of it, and in place of each
    /// body the reason, its size and its SHA-256, so an answered request is never missing from the audit trail and
    /// the original can still be matched against what the client or the provider kept.
    public func reduced(reason: String) -> Interaction {
        var copy = self
        copy.requestJSON = Self.reducedBody(requestJSON, reason: reason)
        copy.responseJSON = Self.reducedBody(responseJSON, reason: reason)
        copy.evaluationJSON = Self.reducedBody(evaluationJSON, reason: reason)
        copy.model = model.map { String($0.unicodeScalars.filter { $0.value != 0 }.map(Character.init)) }
        return copy
    }

    /// Marks a reduced body.
    public static let reducedKey = "archestraRecordReduced"

    static func reducedBody(_ text: String, reason: String) -> String {
        let bytes = Array(text.utf8)
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let note: JSONValue = [
            Self.reducedKey: [
                "reason": .string(String(reason.prefix(500))), "bytes": .integer(bytes.count), "sha256": .string(digest),
            ],
        ]
        return JSONWriter.string(note)
    }
}
