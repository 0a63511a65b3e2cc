import ArchestraCore
import Foundation

/// An interaction record as bytes and back, for the spill file: every field the store writes, times exact.
public enum InteractionRecordCodec {
    public static func encode(_ interaction: Interaction) -> [UInt8] {
        var object = JSONObject([
            ("id", .string(interaction.id.uuidString)), ("agentId", .string(interaction.agentId.uuidString)),
            ("type", .string(interaction.type)), ("request", .string(interaction.requestJSON)),
            ("response", .string(interaction.responseJSON)), ("model", interaction.model.map(JSONValue.string) ?? .null),
            ("status", .number(String(interaction.statusCode))), ("durationMs", .number(String(interaction.durationMs))),
            ("evaluation", .string(interaction.evaluationJSON)), ("createdAt", time(interaction.createdAt)),
            ("userId", interaction.userId.map(JSONValue.string) ?? .null),
            ("sessionId", interaction.sessionId.map(JSONValue.string) ?? .null),
            ("summary", interaction.summary?.json ?? .null),
            ("usage", interaction.usage?.json ?? .null),
        ])
        if let relayed = interaction.relayedResponse {
            object["relayed"] = .object(JSONObject([
                ("id", .string(relayed.id)), ("agentId", .string(relayed.agentId.uuidString)), ("trusted", .bool(relayed.trusted)),
                ("callNames", .string(relayed.callNamesJSON)), ("createdAt", time(relayed.createdAt)),
            ]))
        }
        return JSONWriter.bytes(.object(object))
    }

    public static func decode(_ bytes: some Sequence<UInt8>) -> Interaction? {
        guard case .object(let object)? = try? JSONParser.parse(bytes),
              let id = object["id"]?.stringValue.flatMap(UUID.init(uuidString:)),
              let agentId = object["agentId"]?.stringValue.flatMap(UUID.init(uuidString:)),
              let type = object["type"]?.stringValue, let request = object["request"]?.stringValue,
              let response = object["response"]?.stringValue, let evaluation = object["evaluation"]?.stringValue,
              let status = object["status"]?.intValue, let duration = number(object["durationMs"]),
              let createdAt = date(object["createdAt"])
        else { return nil }
        var relayed: RelayedResponse?
        if let value = object["relayed"], let relayedId = value["id"]?.stringValue,
           let relayedAgent = value["agentId"]?.stringValue.flatMap(UUID.init(uuidString:)), let relayedAt = date(value["createdAt"]) {
            relayed = RelayedResponse(
                id: relayedId, agentId: relayedAgent, trusted: value["trusted"]?.boolValue ?? false,
                callNames: RelayedResponse.callNames(fromJSON: value["callNames"]?.stringValue ?? "{}"), createdAt: relayedAt
            )
        }
        return Interaction(
            id: id, agentId: agentId, type: type, requestJSON: request, responseJSON: response, model: object["model"]?.stringValue,
            statusCode: status, durationMs: duration, evaluationJSON: evaluation, createdAt: createdAt,
            userId: object["userId"]?.stringValue, sessionId: object["sessionId"]?.stringValue, relayedResponse: relayed,
            summary: object["summary"].flatMap(InteractionSummary.init(json:)),
            usage: InteractionUsage(json: object["usage"])
        )
    }

    /// Seconds since 1970 as written by `Double.description`, which reads back to the same value.
    private static func time(_ date: Date) -> JSONValue { .number(String(date.timeIntervalSince1970)) }

    private static func date(_ value: JSONValue?) -> Date? { number(value).map(Date.init(timeIntervalSince1970:)) }

    private static func number(_ value: JSONValue?) -> Double? {
        guard case .number(let text)? = value else { return nil }
        return Double(text)
    }
}
