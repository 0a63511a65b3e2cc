import ArchestraCore
import Testing

@testable import ArchestraProviders

/// Fail-closed routing over generated targets: a write is forwarded unjudged only when it is on the allow-list.
@Suite("Route classifier: generated targets")
struct RouteClassifierPropertyTests {
    /// A small deterministic generator, so a failing target can be reproduced from the seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let agentId = "6f1f9b4e-3b7a-4c55-9b1e-2f3a4b5c6d7e"

    /// Segments real routes are made of, their look-alikes, and the pieces of path tricks.
    static let segments: [String] = [
        "chat", "completions", "responses", "embeddings", "moderations", "images", "generations", "audio", "speech", "files",
        "uploads", "parts", "conversations", "items", "cancel", "input_tokens", "messages", "count_tokens", "batches", "threads",
        "runs", "assistants", "v1", "v1beta", "models", "gemini-pro:generateContent", "gemini-pro:streamGenerateContent",
        "m:countTokens", "m:embedContent", "m:batchEmbedContents", ":countTokens", "a:b:countTokens", "m:generateContent:x",
        agentId, "x", ".", "..", "", "%2e%2e", "%2F", "chat%2Fcompletions", "Chat", "COMPLETIONS", "completions;x", "completions ",
        "é", "\u{0456}", "\\", "a#b", "~", "@", "x:y", "resp_1",
    ]

    /// Characters spliced into segments.
    static let hostileCharacters: [String] = ["%", "%00", "%2f", "/", ";", " ", "\t", "#", "?", "\\", ".", "..", "\u{0}", "\u{FF0F}", "\u{200B}", ":", "&"]

    static let queries = ["", "?alt=sse", "?x=1", "?alt=sse&alt=json", "?alt=json", "?key=k"]

    /// Real routes of each vendor (judged, allow-listed and refused), the starting points of most targets.
    static let templates: [Provider: [[String]]] = [
        .openai: [
            ["chat", "completions"], ["responses"], ["embeddings"], ["images", "generations"], ["files"], ["uploads", "u1", "parts"],
            ["conversations"], ["responses", "resp_1", "cancel"], ["responses", "input_tokens"], ["completions"], ["batches"],
            ["threads", "t", "runs"],
        ],
        .anthropic: [["v1", "messages"], ["messages"], ["v1", "messages", "count_tokens"], ["messages", "count_tokens"], ["v1", "messages", "batches"]],
        .gemini: [
            ["v1beta", "models", "m:generateContent"], ["models", "m:streamGenerateContent"], ["v1beta", "models", "m:countTokens"],
            ["v1", "models", "m:embedContent"], ["models", "m:batchEmbedContents"], ["v1beta", "models", "m:batchGenerateContent"],
        ],
    ]

    /// A target: a real route with up to two mutations, or (one time in four) segments drawn at random.
    static func randomTarget(provider: Provider, using generator: inout SplitMix64) -> String {
        var parts: [String]
        if Int.random(in: 0..<4, using: &generator) == 0 {
            parts = (0..<Int.random(in: 1...5, using: &generator)).map { _ in segments.randomElement(using: &generator)! }
        } else {
            parts = templates[provider]!.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 0...2, using: &generator) { mutate(&parts, using: &generator) }
        }
        return "/v1/\(provider.rawValue)/" + parts.joined(separator: "/") + queries.randomElement(using: &generator)!
    }

    static func mutate(_ parts: inout [String], using generator: inout SplitMix64) {
        let index = Int.random(in: 0..<parts.count, using: &generator)
        switch Int.random(in: 0..<7, using: &generator) {
        case 0: parts.insert(agentId, at: 0)
        case 1: parts.insert(segments.randomElement(using: &generator)!, at: 0)
        case 2:
            var segment = parts[index]
            let offset = Int.random(in: 0...segment.count, using: &generator)
            segment.insert(contentsOf: hostileCharacters.randomElement(using: &generator)!, at: segment.index(segment.startIndex, offsetBy: offset))
            parts[index] = segment
        case 3: parts.append(segments.randomElement(using: &generator)!)
        case 4: parts[index] = segments.randomElement(using: &generator)!
        case 5: parts[index] = parts[index].uppercased()
        default: parts.insert("", at: index)
        }
    }

    /// The allow-list of unjudged writes, written out independently of the product's.
    static func onAllowList(_ path: [String], provider: Provider) -> Bool {
        switch provider {
        case .openai:
            switch path.first {
            case "embeddings", "moderations", "files": return path.count == 1
            case "images", "audio": return path.count >= 2
            case "uploads": return true
            case "conversations": return path.count <= 2 || (path.count == 3 && path[2] == "items")
            case "responses": return path == ["responses", "input_tokens"] || (path.count == 3 && path[2] == "cancel")
            default: return false
            }
        case .anthropic:
            return path == ["messages", "count_tokens"]
        case .gemini:
            guard path.count == 2, path[0] == "models", let colon = path[1].lastIndex(of: ":") else { return false }
            let action = path[1][path[1].index(after: colon)...]
            return colon != path[1].startIndex && ["countTokens", "embedContent", "batchEmbedContents"].contains(action)
        }
    }

    /// The vendor path of a clean target: agent id and (Anthropic, Gemini) version segment removed.
    static func vendorPath(of target: String, provider: Provider) -> [String] {
        let path = target.prefix { $0 != "?" }.dropFirst("/v1/\(provider.rawValue)/".count)
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let first = segments.first, first.count == 36, first.lowercased() == agentId { segments.removeFirst() }
        if provider != .openai, segments.first == "v1" || segments.first == "v1beta" { segments.removeFirst() }
        return segments
    }

    static func isPlainPath(_ target: String) -> Bool {
        let path = target.prefix { $0 != "?" }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        return segments.allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) || "._~:@-".utf8.contains(byte)
                }
        }
    }

    static let pipelineUpstreamPaths: Set<String> = ["/chat/completions", "/responses", "/messages"]

    @Test("A POST classified as a pass-through is on the allow-list, as a clean path", arguments: Provider.allCases)
    func postPassThroughIsAllowListed(provider: Provider) {
        var generator = SplitMix64(state: 0xA5C1_0000 + UInt64(provider.rawValue.utf8.count))
        var counts = (pipeline: 0, passThrough: 0, refused: 0)
        for _ in 0..<20_000 {
            let target = Self.randomTarget(provider: provider, using: &generator)
            switch RouteClassifier.classify(method: "POST", target: target, provider: provider) {
            case .passThrough(let upstreamPath):
                counts.passThrough += 1
                #expect(Self.isPlainPath(target), "forwarded a target that is not plain: \(target.debugDescription)")
                let path = Self.vendorPath(of: target, provider: provider)
                #expect(Self.onAllowList(path, provider: provider), "forwarded an unjudged write: \(target.debugDescription)")
                #expect(upstreamPath == "/" + path.joined(separator: "/"), "\(target.debugDescription) → \(upstreamPath)")
            case .pipeline(let route):
                counts.pipeline += 1
                #expect(route.endpoint.provider == provider)
                #expect(Self.isPlainPath(target), "judged a target that is not plain: \(target.debugDescription)")
                if provider == .gemini {
                    let model = route.facts.model ?? ""
                    #expect(!model.isEmpty && !model.contains(":"))
                    let action = route.facts.streaming ? "streamGenerateContent" : "generateContent"
                    #expect(route.upstreamPath == "/models/\(model):\(action)")
                } else {
                    #expect(Self.pipelineUpstreamPaths.contains(route.upstreamPath), "\(route.upstreamPath)")
                }
            case .refused(let refusal):
                counts.refused += 1
                #expect([400, 404].contains(refusal.status))
            }
        }
        // The generator must reach every outcome, or the property above proves little.
        #expect(counts.pipeline > 50 && counts.passThrough > 50 && counts.refused > 1_000, "\(counts)")
    }

    @Test("Writes other than POST follow the same allow-list; reads pass through only clean paths", arguments: Provider.allCases)
    func otherMethods(provider: Provider) {
        var generator = SplitMix64(state: 0xB0B0_0000 + UInt64(provider.rawValue.utf8.count))
        for _ in 0..<5_000 {
            let target = Self.randomTarget(provider: provider, using: &generator)
            for method in ["PUT", "PATCH", "GET", "DELETE", "HEAD"] {
                let route = RouteClassifier.classify(method: method, target: target, provider: provider)
                if case .pipeline = route { Issue.record("\(method) \(target.debugDescription) went to the pipeline") }
                guard case .passThrough = route else { continue }
                #expect(Self.isPlainPath(target), "\(method) forwarded a target that is not plain: \(target.debugDescription)")
                if method == "PUT" || method == "PATCH" {
                    #expect(Self.onAllowList(Self.vendorPath(of: target, provider: provider), provider: provider), "\(method) \(target.debugDescription)")
                }
            }
        }
    }

    struct AllowCase: Sendable, CustomTestStringConvertible {
        var provider: Provider
        var path: [String]
        var allowed: Bool
        var testDescription: String { "\(provider.rawValue) /\(path.joined(separator: "/")) \(allowed ? "allowed" : "refused")" }
    }

    static let allowCases: [AllowCase] = [
        (Provider.openai, ["embeddings"], true), (.openai, ["moderations"], true), (.openai, ["images", "generations"], true),
        (.openai, ["images", "edits"], true), (.openai, ["audio", "speech"], true), (.openai, ["audio", "transcriptions"], true),
        (.openai, ["files"], true), (.openai, ["uploads"], true), (.openai, ["uploads", "u1", "parts"], true),
        (.openai, ["conversations"], true), (.openai, ["conversations", "c1", "items"], true),
        (.openai, ["conversations", "c1", "items", "i1"], false), (.openai, ["conversations", "c1", "runs"], false),
        (.openai, ["responses", "resp_1", "cancel"], true), (.openai, ["responses", "input_tokens"], true),
        (.openai, ["embeddings", "x"], false), (.openai, ["images"], false), (.openai, ["audio"], false), (.openai, ["files", "f1"], false),
        (.openai, ["responses"], false), (.openai, ["responses", "resp_1"], false), (.openai, ["responses", "resp_1", "x"], false),
        (.openai, ["completions"], false), (.openai, ["chat", "completions"], false), (.openai, ["batches"], false),
        (.openai, ["threads", "t", "runs"], false), (.openai, ["threads", "runs"], false), (.openai, ["fine_tuning", "jobs"], false),
        (.openai, ["assistants"], false), (.openai, ["realtime", "sessions"], false), (.openai, [], false),
        (.anthropic, ["messages", "count_tokens"], true), (.anthropic, ["messages"], false), (.anthropic, ["messages", "batches"], false),
        (.anthropic, ["complete"], false), (.anthropic, ["count_tokens"], false), (.anthropic, [], false),
        (.gemini, ["models", "m:countTokens"], true), (.gemini, ["models", "m:embedContent"], true),
        (.gemini, ["models", "m:batchEmbedContents"], true), (.gemini, ["models", ":countTokens"], false),
        (.gemini, ["models", "m:generateContent"], false), (.gemini, ["models", "m:streamGenerateContent"], false),
        (.gemini, ["models", "m:batchGenerateContent"], false), (.gemini, ["models", "m"], false), (.gemini, ["models"], false),
        (.gemini, ["cachedContents"], false), (.gemini, ["models", "m:countTokens", "x"], false), (.gemini, [], false),
    ].map { AllowCase(provider: $0.0, path: $0.1, allowed: $0.2) }

    @Test("The allow-list of unjudged writes", arguments: allowCases)
    func allowList(_ testCase: AllowCase) {
        #expect(UnjudgedRoutes.allows(testCase.path, provider: testCase.provider) == testCase.allowed)
        #expect(Self.onAllowList(testCase.path, provider: testCase.provider) == testCase.allowed, "the oracle disagrees with the contract")
    }
}
