/// A path into a JSON value: dot-separated keys, `key[N]` or a numeric key for an array element, and `[*]` for
/// every element of an array (`emails[*].from`, `tags[*]`, `a[*].b[*].c`).
public struct AttributePath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
        case everyElement
    }

    public let steps: [Step]
    public let description: String

    /// Parses a path; nil when it is empty or malformed (an unclosed bracket, an empty segment).
    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        var steps: [Step] = []
        for segment in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard let parsed = Self.parse(segment: segment) else { return nil }
            steps += parsed
        }
        self.steps = steps
        self.description = text
    }

    /// `name`, `name[0]`, `name[*][1]`, `[*]`, `0`.
    private static func parse(segment: Substring) -> [Step]? {
        guard !segment.isEmpty else { return nil }
        var steps: [Step] = []
        var rest = segment
        if let bracket = rest.firstIndex(of: "[") {
            let key = rest[..<bracket]
            if !key.isEmpty { steps.append(keyStep(key)) }
            rest = rest[bracket...]
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return nil }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                if inner == "*" {
                    steps.append(.everyElement)
                } else if let index = arrayIndex(inner) {
                    steps.append(.index(index))
                } else {
                    return nil
                }
                rest = rest[rest.index(after: close)...]
            }
        } else {
            if segment.contains("]") { return nil }
            steps.append(keyStep(segment))
        }
        return steps
    }

    /// A plain segment is a key; on an array, a numeric key picks an element (see `extract`).
    private static func keyStep(_ text: Substring) -> Step { .key(String(text)) }

    /// `N` of `key[N]` or a numeric key: ASCII digits only (`Int` alone would also take `+1`).
    private static func arrayIndex<S: StringProtocol>(_ text: S) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }

    /// Every value the path reaches. A missing key, an index out of range or `[*]` on a non-array adds nothing;
    /// a present `null` is a value.
    public func extract(from value: JSONValue) -> [JSONValue] {
        var current = [value]
        for step in steps {
            var next: [JSONValue] = []
            for item in current {
                switch (step, item) {
                case (.key(let key), .object(let object)):
                    if let member = object[key] { next.append(member) }
                case (.key(let key), .array(let elements)):
                    if let index = Self.arrayIndex(key), index < elements.count { next.append(elements[index]) }
                case (.index(let index), .array(let elements)):
                    if index < elements.count { next.append(elements[index]) }
                case (.everyElement, .array(let elements)):
                    next += elements
                default:
                    break
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
    }
}
