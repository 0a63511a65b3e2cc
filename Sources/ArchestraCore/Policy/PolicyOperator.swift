import Foundation

/// The seven comparison operators of trusted-data and tool-invocation policies.
public enum PolicyOperator: String, Sendable, Hashable, CaseIterable {
    case equal, notEqual, contains, notContains, startsWith, endsWith, regex

    /// The label the admin UI shows.
    public var label: String {
        switch self {
        case .equal: "Equal"
        case .notEqual: "Not Equal"
        case .contains: "Contains"
        case .notContains: "Not Contains"
        case .startsWith: "Starts With"
        case .endsWith: "Ends With"
        case .regex: "Regex"
        }
    }
}

/// A policy's operator and value, ready to test values: the regex, if any, is compiled once here.
public struct PolicyCondition: Sendable, Hashable {
    public let op: PolicyOperator
    public let value: String
    private let compiled: CompiledRegex?

    /// Why a condition cannot be built.
    public struct InvalidRegex: Error, Sendable, Equatable {
        public let message: String
    }

    public init(op: PolicyOperator, value: String) throws(InvalidRegex) {
        self.op = op
        self.value = value
        self.compiled = op == .regex ? try CompiledRegex(value) : nil
    }

    /// Whether `candidate` satisfies the condition. Only strings can match; for `notEqual` every non-string is
    /// "not equal". Comparisons are exact and case-sensitive, on Unicode scalars (as JavaScript compares code units).
    public func isSatisfied(by candidate: JSONValue) -> Bool {
        guard case .string(let text) = candidate else { return op == .notEqual }
        switch op {
        case .equal: return text.unicodeScalars.elementsEqual(value.unicodeScalars)
        case .notEqual: return !text.unicodeScalars.elementsEqual(value.unicodeScalars)
        case .contains: return text.containsBytes(value)
        case .notContains: return !text.containsBytes(value)
        case .startsWith: return text.unicodeScalars.starts(with: value.unicodeScalars)
        case .endsWith: return text.unicodeScalars.reversed().starts(with: value.unicodeScalars.reversed())
        case .regex: return compiled?.matches(text) ?? false
        }
    }

    public static func == (lhs: PolicyCondition, rhs: PolicyCondition) -> Bool { lhs.op == rhs.op && lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(op)
        hasher.combine(value)
    }
}

/// An ICU regular expression (the engine behind the common ECMAScript syntax): unanchored, case-sensitive, no flags.
struct CompiledRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented safe to use from several threads at once.
    private let expression: NSRegularExpression

    init(_ pattern: String) throws(PolicyCondition.InvalidRegex) {
        do {
            // ICU's C API refuses a zero-length pattern, yet the empty regex is valid (ECMAScript `new RegExp("")`)
            // and matches every string; `(?:)` is the same regex in a form ICU accepts.
            expression = try NSRegularExpression(pattern: pattern.isEmpty ? "(?:)" : pattern, options: [])
        } catch {
            throw PolicyCondition.InvalidRegex(message: "Invalid regular expression: \(pattern)")
        }
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }
}
