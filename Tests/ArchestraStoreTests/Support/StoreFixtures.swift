import ArchestraCore
import ArchestraStore
import Foundation

/// 2025-10-15T08:16:40.123Z: a whole-millisecond instant tests count from.
let baseMillis: Int64 = 1_760_516_200_123

/// The instant `millis` milliseconds after 1970, built from whole milliseconds.
func instant(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

/// The instant `offset` milliseconds after `baseMillis`.
func at(_ offset: Int64) -> Date { instant(baseMillis + offset) }

extension Date {
    /// Milliseconds since 1970, rounded to the nearest: tolerant of binary floating point and of microsecond columns.
    var wholeMillis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// The same instant snapped to its millisecond, so values read back compare equal to the ones written.
    var snappedToMillis: Date { instant(wholeMillis) }
}

func makeAgent(_ name: String, at created: Date, isDemo: Bool = false, id: UUID = UUID()) -> Agent {
    Agent(id: id, name: name, isDemo: isDemo, createdAt: created, updatedAt: created)
}

func makeTool(
    agent: Agent, name: String, at created: Date, parameters: JSONValue = [:], description: String? = nil,
    allowUsage: Bool = false, trustedByDefault: Bool = false, id: UUID = UUID()
) -> Tool {
    Tool(
        id: id, agentId: agent.id, name: name, parameters: parameters, description: description,
        allowUsageWhenUntrustedDataIsPresent: allowUsage, dataIsTrustedByDefault: trustedByDefault,
        createdAt: created, updatedAt: created
    )
}

func makeInteraction(
    agentId: UUID, at created: Date, model: String? = "gpt-4o", statusCode: Int = 200, durationMs: Double = 12.5,
    request: String = #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#,
    response: String = #"{"id":"chatcmpl-1","object":"chat.completion","choices":[]}"#,
    evaluation: String = #"{"contextIsTrusted":true,"toolResults":[],"toolCalls":[]}"#, id: UUID = UUID()
) -> Interaction {
    Interaction(
        id: id, agentId: agentId, type: "openai:chatCompletions", requestJSON: request, responseJSON: response,
        model: model, statusCode: statusCode, durationMs: durationMs, evaluationJSON: evaluation, createdAt: created
    )
}

/// A JSON value with object members sorted and de-duplicated (last wins) and numbers compared by value: what survives
/// any engine's JSON storage, jsonb included.
func canonicalJSON(_ value: JSONValue) -> JSONValue {
    switch value {
    case .number(let text): return .number(Double(text).map { "\($0)" } ?? text)
    case .array(let elements): return .array(elements.map(canonicalJSON))
    case .object(let object):
        var latest: [String: JSONValue] = [:]
        for member in object.members { latest[member.key] = canonicalJSON(member.value) }
        return .object(JSONObject(latest.keys.sorted().map { (key: $0, value: latest[$0]!) }))
    default: return value
    }
}

/// The canonical form of a JSON text (or the text itself when it is not JSON, so a comparison still fails visibly).
func canonicalJSON(text: String) -> String {
    guard let value = try? JSONParser.parse(text) else { return "not JSON: \(text)" }
    return JSONWriter.string(canonicalJSON(value))
}

extension Agent {
    /// Dates snapped to milliseconds, for comparing a value read back with the one written.
    var normalized: Agent {
        var copy = self
        copy.createdAt = createdAt.snappedToMillis
        copy.updatedAt = updatedAt.snappedToMillis
        return copy
    }
}

extension Tool {
    /// Dates snapped to milliseconds and parameters canonicalised.
    var normalized: Tool {
        var copy = self
        copy.parameters = canonicalJSON(parameters)
        copy.createdAt = createdAt.snappedToMillis
        copy.updatedAt = updatedAt.snappedToMillis
        return copy
    }
}

extension Interaction {
    /// Date snapped to milliseconds and the JSON documents canonicalised.
    var normalized: Interaction {
        var copy = self
        copy.requestJSON = canonicalJSON(text: requestJSON)
        copy.responseJSON = canonicalJSON(text: responseJSON)
        copy.evaluationJSON = canonicalJSON(text: evaluationJSON)
        copy.createdAt = createdAt.snappedToMillis
        return copy
    }
}

/// The order `listInteractions` promises: by the sort column, then creation time, then id, all in one direction.
func expectedOrder(_ rows: [Interaction], by key: InteractionQuery.SortKey, ascending: Bool) -> [Interaction] {
    func column(_ row: Interaction) -> String {
        switch key {
        case .createdAt: ""  // equal for all: the creation-time tie-break below decides
        case .agentId: row.agentId.uuidString.lowercased()
        case .model: row.model ?? ""
        }
    }
    return rows.sorted { lhs, rhs in
        let left = (column(lhs), lhs.createdAt.wholeMillis, lhs.id.uuidString.lowercased())
        let right = (column(rhs), rhs.createdAt.wholeMillis, rhs.id.uuidString.lowercased())
        return ascending ? left < right : left > right
    }
}
