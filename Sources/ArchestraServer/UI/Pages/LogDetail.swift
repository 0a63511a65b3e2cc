import ArchestraCore
import ArchestraProviders
import ArchestraStore
import Foundation
import Hummingbird

/// One interaction as a person reads it: the conversation with every tool result's verdict beside it, the reply
/// with every call's decision, the Dual LLM's questions and answers, and the raw record.
struct LogDetail {
    let ui: UIContext

    /// Longest text shown for one message or result, and for each raw document; the API has the whole record.
    static let textLimit = 64 * 1024
    static let rawLimit = 256 * 1024

    func render(_ id: UUID, state: UIRequestState) async throws -> Response {
        let interaction = try await ui.admin.interactions.get(id)
        let agentName = (try? await ui.admin.agents.get(interaction.agentId).name) ?? interaction.agentId.lowercasedString
        let dualLlm = try await ui.admin.dualLLM.results(ofInteraction: id)
        let summaries = Dictionary(dualLlm.map { ($0.toolCallId, $0.result) }, uniquingKeysWith: { first, _ in first })
        let evaluation = (try? JSONParser.parse(interaction.evaluationJSON)) ?? .null
        let endpoint = Endpoint(rawValue: interaction.type)
        let request: JSONObject? = if case .object(let body)? = try? JSONParser.parse(interaction.requestJSON) { body } else { nil }
        let response = try? JSONParser.parse(interaction.responseJSON)

        var context: [String: Any] = [
            "id": interaction.id.lowercasedString, "type": interaction.type, "model": interaction.model ?? "",
            "agentId": interaction.agentId.lowercasedString, "agentName": agentName, "time": UIFormat.time(interaction.createdAt),
            "status": interaction.statusCode, "statusClass": interaction.statusCode / 100,
            "duration": UIFormat.milliseconds(interaction.durationMs),
            "tainted": evaluation["contextIsTrusted"]?.boolValue == false,
            "userId": interaction.userId ?? "", "sessionId": interaction.sessionId ?? "",
            "sessionIdQuery": interaction.sessionId?.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
            "streamed": request?["stream"]?.boolValue == true,
            "calls": (evaluation["toolCalls"]?.arrayValue ?? []).map { call -> [String: Any] in
                let allowed = call["allowed"]?.boolValue ?? false
                return [
                    "id": call["toolCallId"]?.stringValue ?? "", "name": call["toolName"]?.stringValue ?? "", "allowed": allowed,
                    "reason": allowed ? "" : call["reason"]?.stringValue ?? "",
                ]
            },
            "replyResults": (evaluation["replyToolResults"]?.arrayValue ?? []).map(Self.verdict),
            "dualLlmResults": dualLlm.map(Self.dualLlm), "hasDualLlm": !dualLlm.isEmpty,
            "rawRequest": Self.clip(UIFormat.prettyJSON(interaction.requestJSON), Self.rawLimit, id: id),
            "rawResponse": Self.clip(UIFormat.prettyJSON(interaction.responseJSON), Self.rawLimit, id: id),
            "rawEvaluation": Self.clip(UIFormat.prettyJSON(interaction.evaluationJSON), Self.rawLimit, id: id),
        ]
        if let continuation = evaluation["continuation"], case .object = continuation {
            let trusted = continuation["trusted"]?.boolValue ?? false
            context["continuation"] = [
                "kind": continuation["kind"]?.stringValue == "conversation" ? "Continues conversation" : "Continues response",
                "id": continuation["id"]?.stringValue ?? "", "trust": trusted ? "trusted" : "untrusted",
                "badge": trusted ? "trusted" : "untrusted", "reason": continuation["reason"]?.stringValue ?? "",
            ] as [String: Any]
        }
        if let endpoint, let request {
            context["entries"] = Self.entries(
                endpoint.adapter.transcript(of: request), verdicts: evaluation["toolResults"]?.arrayValue ?? [], summaries: summaries
            )
        }
        if let usage = interaction.usage { context["usage"] = Self.usage(usage) }
        if let endpoint, let response, interaction.statusCode / 100 == 2 {
            context["replyText"] = endpoint.adapter.replyText(in: response).map { Self.clip($0, Self.textLimit, id: id) } ?? ""
        }
        let title = "\(interaction.type) · \(interaction.model ?? "")"
        return ui.renderer.page("log", title: title, section: "logs", state: state, context: context)
    }

    /// The transcript with each tool result's verdict: verdicts are listed in the order of the request's tool
    /// results, so the n-th result entry takes the n-th verdict (ids may repeat).
    static func entries(_ transcript: [TranscriptEntry], verdicts: [JSONValue], summaries: [String: String]) -> [[String: Any]] {
        var next = 0
        return transcript.map { entry -> [String: Any] in
            switch entry {
            case .message(let role, let text):
                return ["message": ["role": role, "text": clip(text, textLimit, id: nil)]]
            case .call(let id, let name, let arguments):
                return ["call": ["id": id, "name": name, "arguments": clip(arguments, textLimit, id: nil)]]
            case .result(let id, let content):
                let verdict: JSONValue = next < verdicts.count ? verdicts[next] : .null
                next += 1
                var values = Self.verdict(verdict)
                if values["name"] as? String == "" { values["name"] = id }
                values["content"] = clip(content, textLimit, id: nil)
                if verdict["verdict"]?.stringValue == "blocked" {
                    values["redacted"] = TrustEvaluator.redactionText(reason: verdict["reason"]?.stringValue ?? "")
                } else if verdict["dualLlm"]?.boolValue == true, let summary = summaries[id] {
                    values["redacted"] = summary
                }
                return ["result": values]
            }
        }
    }

    /// What the call and the Dual LLM's calls used and cost, row by row ("not reported" rather than a zero).
    static func usage(_ usage: InteractionUsage) -> [String: Any] {
        func count(_ value: Int?) -> String { value.map(UIFormat.count) ?? "not reported" }
        var rows: [[String: Any]] = []
        if let tokens = usage.tokens {
            rows.append([
                "what": "Provider call", "input": count(tokens.inputTokens), "cached": count(tokens.cachedInputTokens),
                "output": count(tokens.outputTokens), "reasoning": count(tokens.reasoningTokens),
                "cost": usage.cost.map { UIFormat.dollars($0) } ?? "no price",
            ])
        }
        if let dual = usage.dualLlm {
            rows.append([
                "what": "Dual LLM (\(dual.model), \(dual.calls) call\(dual.calls == 1 ? "" : "s"))", "input": count(dual.tokens.inputTokens),
                "cached": count(dual.tokens.cachedInputTokens), "output": count(dual.tokens.outputTokens),
                "reasoning": count(dual.tokens.reasoningTokens), "cost": dual.cost.map { UIFormat.dollars($0) } ?? "no price",
            ])
        }
        return [
            "rows": rows, "total": UIFormat.dollars(usage.totalCost), "hasTotal": usage.totalCost != nil,
            "firstToken": usage.timeToFirstTokenMs.map { UIFormat.milliseconds($0) } ?? "",
        ]
    }

    static func verdict(_ value: JSONValue) -> [String: Any] {
        [
            "name": value["toolName"]?.stringValue ?? "", "verdict": value["verdict"]?.stringValue ?? "not judged",
            "reason": value["reason"]?.stringValue ?? "", "dualLlm": value["dualLlm"]?.boolValue ?? false,
        ]
    }

    static func dualLlm(_ result: DualLLMResult) -> [String: Any] {
        [
            "toolCallId": result.toolCallId, "result": result.result, "time": UIFormat.time(result.createdAt),
            "conversation": result.conversations.map { ["role": $0.role, "content": clip($0.content, textLimit, id: nil)] },
        ]
    }

    /// The text cut to `limit` bytes (on a character boundary), saying where the whole of it is.
    static func clip(_ text: String, _ limit: Int, id: UUID?) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        while end > text.startIndex, !text.unicodeScalars.indices.contains(end) { end = text.utf8.index(before: end) }
        let whole = id.map { " The whole record: /api/interactions/\($0.lowercasedString)" } ?? ""
        return String(text[..<end]) + "\n… (cut at \(limit / 1024) KB of \(text.utf8.count / 1024) KB.\(whole))"
    }
}
