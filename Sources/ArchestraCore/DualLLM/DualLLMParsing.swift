import Foundation

/// The template variables of the Dual LLM prompts.
public enum DualLLMVariable: String, Sendable, CaseIterable {
    case originalUserRequest, toolResultData, question, options, maxIndex, qaText
}

/// Fills prompt templates. Every occurrence of each given variable is replaced; `{{toolResultData}}` is blanked
/// wherever it is not given, so no template edit can route the data to the privileged model.
public enum DualLLMTemplate {
    public static func fill(_ template: String, _ values: [DualLLMVariable: String]) -> String {
        var text = template
        for variable in DualLLMVariable.allCases {
            let placeholder = "{{\(variable.rawValue)}}"
            if let value = values[variable] {
                text = text.replacingOccurrences(of: placeholder, with: value)
            } else if variable == .toolResultData {
                text = text.replacingOccurrences(of: placeholder, with: "")
            }
        }
        return text
    }
}

/// A multiple-choice question as the privileged model writes it: `QUESTION: …` then `OPTIONS:` and one option a line.
public struct DualLLMQuestion: Sendable, Equatable {
    public var question: String
    public var options: [String]

    /// Nil when there is no question or no option.
    public init?(parsing text: String) {
        guard let questionRange = text.range(of: "QUESTION:") else { return nil }
        let afterQuestion = text[questionRange.upperBound...]
        // `\r\n` is one Character in Swift, so splitting on "\n" alone would leave CRLF text as one line.
        let lines = afterQuestion.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var questionLines: [Substring] = []
        var optionLines: [Substring] = []
        var inOptions = false
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !inOptions, trimmed.hasPrefix("OPTIONS:") {
                inOptions = true
                let rest = trimmed.dropFirst("OPTIONS:".count)
                if !rest.trimmingCharacters(in: .whitespaces).isEmpty { optionLines.append(Substring(rest)) }
                continue
            }
            if inOptions { optionLines.append(line) } else { questionLines.append(line) }
        }
        let question = questionLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let options = optionLines.compactMap(Self.option)
        guard inOptions, !question.isEmpty, !options.isEmpty else { return nil }
        self.question = question
        self.options = options
    }

    /// An option line stripped of a leading `<digits>:` and surrounding blanks; nil when empty.
    private static func option(_ line: Substring) -> String? {
        var text = line.trimmingCharacters(in: .whitespaces)
        if let colon = text.firstIndex(of: ":"), !text[..<colon].isEmpty, text[..<colon].allSatisfy(\.isNumber) {
            text = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return text.isEmpty ? nil : text
    }
}

/// The quarantined model's answer: a JSON object with a number `answer` whose floor is a valid index.
public enum DualLLMAnswer {
    /// The chosen index; anything else (not JSON, no number, out of range, free text) selects the last option.
    public static func index(from reply: String, optionCount: Int) -> Int {
        let last = optionCount - 1
        guard case .object(let object)? = try? JSONParser.parse(reply.trimmingCharacters(in: .whitespacesAndNewlines)),
            let number = object["answer"]?.doubleValue, number.isFinite
        else { return last }
        let index = number.rounded(.down)
        guard index >= 0, index <= Double(last) else { return last }
        return Int(index)
    }
}
