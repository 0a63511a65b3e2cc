/// The short form of an interaction that lists, filters, searches and counts read: taken from the values the
/// pipeline already parsed when it records the interaction, so no list ever parses a request or a reply.
public struct InteractionSummary: Sendable, Hashable {
    /// Text kept of the user's message and of the reply.
    public static let previewLength = 240

    /// The latest user message, cut to `previewLength`.
    public var userText: String?
    /// The assistant's text (or the refusal), cut to `previewLength`.
    public var replyText: String?
    /// The returned tool calls and whether each was allowed.
    public var toolCalls: [ToolCall]
    /// The calls were judged in an untrusted context.
    public var tainted: Bool
    /// A call was refused.
    public var refused: Bool
    public var trustedResults: Int
    public var untrustedResults: Int
    public var blockedResults: Int
    /// Results a Dual LLM summary replaced.
    public var dualLlmResults: Int

    public struct ToolCall: Sendable, Hashable {
        public var name: String
        public var allowed: Bool

        public init(name: String, allowed: Bool) {
            self.name = name
            self.allowed = allowed
        }
    }

    public init(
        userText: String?, replyText: String?, toolCalls: [ToolCall], tainted: Bool, refused: Bool, trustedResults: Int,
        untrustedResults: Int, blockedResults: Int, dualLlmResults: Int
    ) {
        self.userText = userText.map(Self.preview)
        self.replyText = replyText.map(Self.preview)
        self.toolCalls = toolCalls
        self.tainted = tainted
        self.refused = refused
        self.trustedResults = trustedResults
        self.untrustedResults = untrustedResults
        self.blockedResults = blockedResults
        self.dualLlmResults = dualLlmResults
    }

    /// The first `previewLength` characters, whitespace runs folded to one space.
    static func preview(_ text: String) -> String {
        var folded = ""
        // Counted here: a String counts its characters by walking them, which per character made this quadratic.
        var count = 0
        var lastWasSpace = false
        func add(_ character: Character, whitespace: Bool) {
            if whitespace {
                if !lastWasSpace, count > 0 {
                    folded.append(" ")
                    count += 1
                }
                lastWasSpace = true
            } else {
                folded.append(character)
                count += 1
                lastWasSpace = false
            }
        }
        // ASCII, the common case, byte by byte; from the first other byte on, by characters (a character's
        // whitespace property and its boundaries need the Unicode tables). A byte before a non-ASCII one may be
        // part of its character (a combining mark after a letter), so the switch happens one byte early.
        let utf8 = text.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex, count < previewLength {
            let next = utf8.index(after: index)
            let byte = utf8[index]
            guard byte < 0x80, byte != 0x0D, next == utf8.endIndex || utf8[next] < 0x80 else { break }
            add(Character(Unicode.Scalar(byte)), whitespace: byte == 0x20 || (0x09...0x0C).contains(byte))
            index = next
        }
        for character in text[index...] {
            if count >= previewLength { break }
            add(character, whitespace: character.isWhitespace)
        }
        return folded
    }

    /// The summary as stored JSON.
    public var json: JSONValue {
        .object(JSONObject([
            ("user", userText.map(JSONValue.string) ?? .null), ("reply", replyText.map(JSONValue.string) ?? .null),
            ("calls", .array(toolCalls.map { ["name": .string($0.name), "allowed": .bool($0.allowed)] })),
            ("tainted", .bool(tainted)), ("refused", .bool(refused)),
            ("results", ["trusted": .integer(trustedResults), "untrusted": .integer(untrustedResults), "blocked": .integer(blockedResults), "dualLlm": .integer(dualLlmResults)]),
        ]))
    }

    /// Reads a stored summary.
    public init?(json: JSONValue) {
        guard case .object = json else { return nil }
        let results = json["results"]
        self.userText = json["user"]?.stringValue
        self.replyText = json["reply"]?.stringValue
        self.toolCalls = (json["calls"]?.arrayValue ?? []).compactMap { call in
            call["name"]?.stringValue.map { ToolCall(name: $0, allowed: call["allowed"]?.boolValue ?? false) }
        }
        self.tainted = json["tainted"]?.boolValue ?? false
        self.refused = json["refused"]?.boolValue ?? false
        self.trustedResults = results?["trusted"]?.intValue ?? 0
        self.untrustedResults = results?["untrusted"]?.intValue ?? 0
        self.blockedResults = results?["blocked"]?.intValue ?? 0
        self.dualLlmResults = results?["dualLlm"]?.intValue ?? 0
    }

    /// Lowercased text free-text search looks in: the two previews, the tool names and the model.
    public func searchText(model: String?) -> String {
        ([userText, replyText, model].compactMap { $0 } + toolCalls.map(\.name)).joined(separator: " ").lowercased()
    }
}

extension InteractionSummary {
    /// The summary of a judged request.
    public init(evaluation: InteractionEvaluation, userText: String?, replyText: String?) {
        let verdicts = evaluation.toolResults + evaluation.replyToolResults
        self.init(
            userText: userText, replyText: replyText,
            toolCalls: evaluation.toolCalls.map { ToolCall(name: $0.toolName, allowed: $0.allowed) },
            tainted: !evaluation.contextIsTrusted || evaluation.replyToolResults.contains { $0.verdict != "trusted" },
            refused: evaluation.toolCalls.contains { !$0.allowed },
            trustedResults: verdicts.filter { $0.verdict == "trusted" }.count,
            untrustedResults: verdicts.filter { $0.verdict == "untrusted" }.count,
            blockedResults: verdicts.filter { $0.verdict == "blocked" }.count,
            dualLlmResults: evaluation.toolResults.filter(\.dualLlm).count
        )
    }
}
