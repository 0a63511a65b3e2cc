import ArchestraCore

/// The routing rules written out a second time, independently of the classifier, as the fuzzer's oracle.
enum RouteSpec {
    /// `/` alone (the base URL itself), or `/` followed by plain segments joined by `/`.
    static func isPlainPath(_ path: String) -> Bool {
        guard path.first == "/" else { return false }
        if path == "/" { return true }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        return segments.allSatisfy { isPlainSegment(String($0)) }
    }

    /// Not empty, not `.` or `..`, only `A–Z a–z 0–9 . _ ~ : @ -` (so no `%`, `?`, `#`, `/` or `\`).
    static func isPlainSegment(_ segment: String) -> Bool {
        guard !segment.isEmpty, segment != ".", segment != ".." else { return false }
        return segment.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: ".-_~:@".utf8.contains(byte)
            }
        }
    }

    /// The writes that may be forwarded without judging: they take data in or out but never produce a tool call.
    static func allowsUnjudged(_ upstreamPath: String, provider: Provider) -> Bool {
        let segments = upstreamPath.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch provider {
        case .openai:
            switch segments.first {
            case "embeddings", "moderations", "files": return segments.count == 1
            case "images", "audio": return segments.count >= 2
            case "uploads": return true
            case "conversations": return segments.count <= 2 || (segments.count == 3 && segments[2] == "items")
            case "responses":
                return segments == ["responses", "input_tokens"] || (segments.count == 3 && segments[2] == "cancel")
            default: return false
            }
        case .anthropic:
            return segments == ["messages", "count_tokens"]
        case .gemini:
            // Google's custom verbs follow the last colon: `models/{model}:{action}`.
            guard segments.count == 2, segments[0] == "models", let colon = segments[1].lastIndex(of: ":") else {
                return false
            }
            let model = segments[1][..<colon]
            let action = segments[1][segments[1].index(after: colon)...]
            return !model.isEmpty && ["countTokens", "embedContent", "batchEmbedContents"].contains(action)
        }
    }
}
