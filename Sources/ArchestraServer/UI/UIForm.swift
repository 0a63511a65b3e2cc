import Foundation
import Hummingbird

/// An HTML form posted as `application/x-www-form-urlencoded`.
struct UIForm: Sendable {
    private let fields: [(String, String)]

    init(fields: [(String, String)]) { self.fields = fields }

    /// Reads a request's form body (at most `limit` bytes).
    init(_ request: Request, limit: Int) async throws {
        let body = try await request.collectBody(limit: limit)
        self.init(encoded: String(buffer: body))
    }

    init(encoded text: String) {
        fields = text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of a field, trimmed of surrounding whitespace; nil when absent.
    subscript(_ name: String) -> String? {
        fields.first { $0.0 == name }.map { $0.1 }
    }

    /// The first value, nil when absent or empty.
    func nonEmpty(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }

    /// A checkbox: present means on.
    func checked(_ name: String) -> Bool { self[name] != nil }
}
