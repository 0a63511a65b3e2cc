/// Writes a JSON number literal the way JavaScript's `Number.prototype.toString` does (ECMA-262 Number::toString),
/// so that text quoting tool-call arguments reads the same as the original platform wrote it.
enum JSONNumberFormat {
    static func shortest(_ literal: String) -> String {
        guard let value = Double(literal), value.isFinite else { return literal }
        if value == 0 { return "0" }
        let negative = value < 0
        let (digits, exponent) = decompose(abs(value))
        let body = format(digits: digits, pointPosition: exponent)
        return negative ? "-" + body : body
    }

    /// The shortest round-trip digits of `value` and `n` such that value = 0.d1d2… × 10^n.
    private static func decompose(_ value: Double) -> ([Character], Int) {
        // Swift's description is the shortest round-trip form: "123.45", "1e-07", "1.5e+20".
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(integerPart + fractionPart)
        var pointPosition = integerPart.count + exponent
        while digits.first == "0", digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0", digits.count > 1 { digits.removeLast() }
        return (digits, pointPosition)
    }

    private static func format(digits: [Character], pointPosition n: Int) -> String {
        let k = digits.count
        let text = String(digits)
        if k <= n, n <= 21 { return text + String(repeating: "0", count: n - k) }
        if 0 < n, n <= 21 { return String(digits[..<n]) + "." + String(digits[n...]) }
        if -6 < n, n <= 0 { return "0." + String(repeating: "0", count: -n) + text }
        let exponent = n - 1
        let sign = exponent >= 0 ? "+" : "-"
        let head = k == 1 ? text : String(digits[0]) + "." + String(digits[1...])
        return head + "e" + sign + String(abs(exponent))
    }
}
