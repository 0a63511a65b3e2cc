import ArchestraCore
import Crypto
import Foundation

/// The secret of a virtual key: `sk-arch-` and 43 base64url characters (256 random bits). Only its SHA-256 is
/// stored; a secret that high in entropy needs no slow hash.
enum VirtualKeySecret {
    static let randomBytes = 32
    static let encodedLength = 43

    /// A new secret from the system's secure random source.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<randomBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return VirtualKey.secretPrefix + encoded
    }

    /// SHA-256 of the secret, lowercase hex.
    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The shown prefix of a secret.
    static func prefix(of secret: String) -> String { String(secret.prefix(VirtualKey.shownPrefixLength)) }

    /// True when the text has the shape of a secret (the prefix and 43 base64url characters).
    static func isWellFormed(_ secret: String) -> Bool {
        guard secret.hasPrefix(VirtualKey.secretPrefix) else { return false }
        let body = secret.utf8.dropFirst(VirtualKey.secretPrefix.utf8.count)
        return body.count == encodedLength && body.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// Equal digests, compared without an early exit.
    static func sameHash(_ lhs: String, _ rhs: String) -> Bool {
        BearerToken.constantTimeEqual(Array(lhs.utf8), Array(rhs.utf8))
    }
}
