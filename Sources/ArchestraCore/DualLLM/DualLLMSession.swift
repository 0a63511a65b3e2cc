/// The Dual LLM protocol for one tool result as a state machine: the caller performs each call the
/// session asks for and feeds back the reply; the session never sees the network and never passes the data to the
/// privileged model. At most `2 × maxRounds + 1` calls.
public struct DualLLMSession: Sendable {
    /// The next thing the caller must do.
    public enum Step: Sendable, Equatable {
        /// Ask the privileged model (it never receives the tool result).
        case callMain(messages: [DualLLMMessage])
        /// Ask the quarantined model one question (the only call that sees the data); reply constrained to an index.
        case callQuarantined(prompt: String, optionCount: Int)
        /// Ask the privileged model for the summary.
        case callSummary(prompt: String)
        /// Done: the text that replaces the tool result, and the conversation to store.
        case finished(summary: String, conversation: [DualLLMMessage])
    }

    private enum Phase: Sendable {
        case awaitingMain
        case awaitingQuarantined(options: [String])
        case awaitingSummary
        case done(String)
    }

    private let config: DualLLMConfig
    private let userRequest: String
    private let data: String
    private var conversation: [DualLLMMessage]
    private var round = 0
    private var phase = Phase.awaitingMain

    /// - Parameters:
    ///   - userRequest: the latest user text of the conversation (`process this data` when there is none).
    ///   - data: the tool result as text (pretty-printed when JSON).
    public init(config: DualLLMConfig, userRequest: String, data: String) {
        self.config = config
        self.userRequest = userRequest
        self.data = data
        let prompt = DualLLMTemplate.fill(config.mainAgentPrompt, [.originalUserRequest: userRequest])
        self.conversation = [DualLLMMessage(role: "user", content: prompt)]
    }

    /// What to do now.
    public var step: Step {
        switch phase {
        case .awaitingMain: return .callMain(messages: conversation)
        case .awaitingQuarantined(let options): return .callQuarantined(prompt: quarantinedPrompt(options), optionCount: options.count)
        case .awaitingSummary: return .callSummary(prompt: summaryPrompt)
        case .done(let summary): return .finished(summary: summary, conversation: conversation)
        }
    }

    /// Feeds the privileged model's reply to a `callMain`.
    public mutating func receiveMain(_ reply: String) {
        guard case .awaitingMain = phase else { return }
        let text = reply.trimmingCharacters(in: .whitespacesAndNewlines)
        conversation.append(DualLLMMessage(role: "assistant", content: text))
        round += 1
        guard !text.contains("DONE"), let question = DualLLMQuestion(parsing: text) else {
            phase = .awaitingSummary
            return
        }
        pendingQuestion = question.question
        phase = .awaitingQuarantined(options: question.options)
    }

    private var pendingQuestion = ""

    /// Feeds the quarantined model's reply to a `callQuarantined`; anything but a valid index picks the last option.
    public mutating func receiveQuarantined(_ reply: String) {
        guard case .awaitingQuarantined(let options) = phase else { return }
        let index = DualLLMAnswer.index(from: reply, optionCount: options.count)
        conversation.append(DualLLMMessage(role: "user", content: "Answer: \(index) (\(options[index]))"))
        phase = round >= config.maxRounds ? .awaitingSummary : .awaitingMain
    }

    /// Feeds the summary.
    public mutating func receiveSummary(_ reply: String) {
        guard case .awaitingSummary = phase else { return }
        phase = .done(reply.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func quarantinedPrompt(_ options: [String]) -> String {
        DualLLMTemplate.fill(config.quarantinedAgentPrompt, [
            .originalUserRequest: userRequest, .toolResultData: data, .question: pendingQuestion,
            .options: options.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: "\n"),
            .maxIndex: String(options.count - 1),
        ])
    }

    private var summaryPrompt: String {
        DualLLMTemplate.fill(config.summaryPrompt, [
            .originalUserRequest: userRequest, .qaText: conversation.map(\.content).joined(separator: "\n"),
        ])
    }
}

import Foundation

extension DualLLMSession {
    /// A tool result as the quarantined prompt shows it: raw text, or JSON pretty-printed with a 2-space indent.
    public static func dataText(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONWriter.prettyString(value)
    }
}
