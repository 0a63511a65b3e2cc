import ArchestraCore
import Crypto
import Foundation
import HTTPTypes

/// The web UI's session and CSRF tokens.
///
/// With an admin token, a login sets a session cookie signed with a key derived from that token: every instance
/// sharing the token accepts it without shared state, and it expires after `lifetime`. Forms carry a CSRF token
/// bound to the session. Without an admin token the UI is open, as the API is; forms then carry the value of a
/// random `SameSite=Strict` cookie (double submit), which another site can neither read nor make the browser send.
struct UISession: Sendable {
    static let sessionCookie = "archestra_session"
    static let csrfCookie = "archestra_csrf"
    static let lifetime: TimeInterval = 12 * 3600

    /// Derived from the admin token; nil when the UI is open.
    private let key: SymmetricKey?
    private let adminToken: String?

    init(adminToken: String?) {
        self.adminToken = adminToken
        self.key = adminToken.map { token in
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array("archestra-ui-session-v1".utf8), using: SymmetricKey(data: Array(token.utf8))))
        }
    }

    /// Whether the UI asks for the token.
    var requiresLogin: Bool { key != nil }

    /// The admin token matches (constant time).
    func acceptsToken(_ token: String) -> Bool {
        guard let adminToken else { return true }
        return BearerToken.constantTimeEqual(Array(token.utf8), Array(adminToken.utf8))
    }

    /// A new session cookie value: expiry, nonce, signature.
    func newSession(now: Date) -> String {
        let expiry = Int((now.timeIntervalSince1970 + Self.lifetime).rounded(.down))
        let payload = "\(expiry).\(Self.randomHex(16))"
        return payload + "." + sign(payload)
    }

    /// The session's nonce when the cookie is signed by this key and not expired.
    func validSession(_ cookie: String?, now: Date) -> String? {
        guard let cookie, key != nil else { return nil }
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int(parts[0]), Double(expiry) > now.timeIntervalSince1970 else { return nil }
        let payload = "\(parts[0]).\(parts[1])"
        guard BearerToken.constantTimeEqual(Array(sign(payload).utf8), Array(parts[2].utf8)) else { return nil }
        return String(parts[1])
    }

    /// The CSRF token of a session (with a login) or of the double-submit cookie (open UI).
    func csrfToken(session nonce: String?, csrfCookie: String?) -> String? {
        if key != nil { return nonce.map { sign("csrf:" + $0) } }
        return csrfCookie
    }

    /// A form's token matches the expected one (constant time).
    static func matches(_ submitted: String?, expected: String?) -> Bool {
        guard let submitted, let expected, !expected.isEmpty else { return false }
        return BearerToken.constantTimeEqual(Array(submitted.utf8), Array(expected.utf8))
    }

    private func sign(_ text: String) -> String {
        guard let key else { return "" }
        return Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
    }

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, the whole site; Secure behind TLS.
    static func cookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)" + (secure ? "; Secure" : "")
    }

    /// A cookie's value from a request's `Cookie` headers.
    static func cookieValue(_ name: String, in fields: HTTPFields) -> String? {
        for header in fields[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                if trimmed.hasPrefix(name + "=") { return String(trimmed.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }
}
