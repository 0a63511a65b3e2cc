import Foundation

extension UUID {
    /// The lowercase canonical text (`8-4-4-4-12` hex), written directly: `uuidString` goes through `snprintf`
    /// and shows up in profiles, since ids label every metric of a request.
    public var lowercasedString: String {
        let hex: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { output in
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        output[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    output[position] = hex.utf8Start[Int(byte >> 4)]
                    output[position + 1] = hex.utf8Start[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}
