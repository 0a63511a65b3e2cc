import ArchestraCore
import ArchestraStore
import Foundation

/// The admin API's JSON shapes (camelCase, lowercase UUIDs, ISO-8601 timestamps with milliseconds).
enum AdminJSON {
    static func id(_ value: UUID) -> JSONValue { .string(value.lowercasedString) }

    static func date(_ value: Date) -> JSONValue { .string(Timestamp.format(value)) }

    static func agent(_ agent: Agent) -> JSONValue {
        .object(JSONObject([
            ("id", id(agent.id)), ("name", .string(agent.name)), ("isDemo", .bool(agent.isDemo)),
            ("createdAt", date(agent.createdAt)), ("updatedAt", date(agent.updatedAt)),
        ]))
    }

    static func tool(_ tool: Tool, agentName: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("id", id(tool.id))]
        if let agentName {
            members.append(("agent", .object(JSONObject([("id", id(tool.agentId)), ("name", .string(agentName))]))))
        } else {
            members.append(("agentId", id(tool.agentId)))
        }
        members += [
            ("name", .string(tool.name)), ("parameters", tool.parameters),
            ("description", tool.description.map(JSONValue.string) ?? .null),
            ("allowUsageWhenUntrustedDataIsPresent", .bool(tool.allowUsageWhenUntrustedDataIsPresent)),
            ("dataIsTrustedByDefault", .bool(tool.dataIsTrustedByDefault)),
            ("createdAt", date(tool.createdAt)), ("updatedAt", date(tool.updatedAt)),
        ]
        return .object(JSONObject(members))
    }

    /// An interaction as the API shows it. Its three documents are written as stored, byte for byte, when they are
    /// JSON: a value the parser would change (an unpaired surrogate escape) still reads back exactly as sent.
    static func interaction(_ interaction: Interaction) -> [UInt8] {
        RawJSON.object([
            ("id", .value(id(interaction.id))), ("agentId", .value(id(interaction.agentId))),
            ("type", .value(.string(interaction.type))),
            ("request", .document(interaction.requestJSON)), ("response", .document(interaction.responseJSON)),
            ("model", .value(interaction.model.map(JSONValue.string) ?? .null)),
            ("statusCode", .value(.integer(interaction.statusCode))), ("durationMs", .value(.double(interaction.durationMs))),
            ("evaluation", .document(interaction.evaluationJSON)), ("createdAt", .value(date(interaction.createdAt))),
            ("userId", .value(interaction.userId.map(JSONValue.string) ?? .null)),
            ("sessionId", .value(interaction.sessionId.map(JSONValue.string) ?? .null)),
        ] + usage(interaction.usage).map { ($0.key, .value($0.value)) })
    }

    /// An interaction's usage members: every one present, null when unknown (a record from before usage was kept
    /// has them all null).
    static func usage(_ usage: InteractionUsage?) -> [(key: String, value: JSONValue)] {
        let dual = usage?.dualLlm
        return [
            ("usage", usage?.tokens?.json ?? .null), ("costUsd", usage?.cost?.json ?? .null),
            ("timeToFirstTokenMs", usage?.timeToFirstTokenMs.map(JSONValue.double) ?? .null),
            ("dualLlmUsage", dual?.tokens.json ?? .null), ("dualLlmCostUsd", dual?.cost?.json ?? .null),
            ("dualLlmModel", dual.map { .string($0.model) } ?? .null),
        ]
    }

    /// A token price as the prices API shows it.
    static func tokenPrice(_ price: TokenPrice) -> JSONValue {
        .object(JSONObject([
            ("id", id(price.id)), ("model", .string(price.model)), ("inputPerMillion", .double(price.inputPerMillion)),
            ("cachedInputPerMillion", price.cachedInputPerMillion.map(JSONValue.double) ?? .null),
            ("outputPerMillion", .double(price.outputPerMillion)), ("builtIn", .bool(price.builtIn)),
            ("source", price.source.map(JSONValue.string) ?? .null),
            ("createdAt", date(price.createdAt)), ("updatedAt", date(price.updatedAt)),
        ]))
    }

    static func limit(_ limit: UsageLimit) -> JSONValue {
        .object(JSONObject([
            ("id", id(limit.id)), ("agentId", limit.agentId.map(id) ?? .null), ("kind", .string(limit.kind.rawValue)),
            ("value", limit.kind.countsWholeUnits ? .integer(Int(limit.value)) : .double(limit.value)),
            ("createdAt", date(limit.createdAt)), ("updatedAt", date(limit.updatedAt)),
        ]))
    }

    static let success: JSONValue = ["success": true]

    static func optionalDate(_ value: Date?) -> JSONValue { value.map(date) ?? .null }

    /// A virtual key without its secret.
    static func key(_ key: VirtualKey) -> JSONValue {
        .object(JSONObject([
            ("id", id(key.id)), ("agentId", id(key.agentId)), ("name", .string(key.name)), ("prefix", .string(key.prefix)),
            ("createdAt", date(key.createdAt)), ("lastUsedAt", optionalDate(key.lastUsedAt)),
            ("expiresAt", optionalDate(key.expiresAt)), ("revokedAt", optionalDate(key.revokedAt)),
        ]))
    }
}

extension AdminJSON {
    static func trustedDataPolicy(_ policy: TrustedDataPolicy) -> JSONValue {
        .object(JSONObject([
            ("id", id(policy.id)), ("toolId", id(policy.toolId)), ("description", .string(policy.description)),
            ("attributePath", .string(policy.attributePath)), ("operator", .string(policy.op.rawValue)),
            ("value", .string(policy.value)), ("action", .string(policy.action.rawValue)),
            ("createdAt", date(policy.createdAt)), ("updatedAt", date(policy.updatedAt)),
        ]))
    }

    static func toolInvocationPolicy(_ policy: ToolInvocationPolicy) -> JSONValue {
        .object(JSONObject([
            ("id", id(policy.id)), ("toolId", id(policy.toolId)), ("argumentName", .string(policy.argumentName)),
            ("operator", .string(policy.op.rawValue)), ("value", .string(policy.value)),
            ("action", .string(policy.action.rawValue)), ("reason", policy.reason.map(JSONValue.string) ?? .null),
            ("createdAt", date(policy.createdAt)), ("updatedAt", date(policy.updatedAt)),
        ]))
    }

    static let operators: JSONValue = .array(PolicyOperator.allCases.map { op in
        ["value": .string(op.rawValue), "label": .string(op.label)]
    })
}

extension AdminJSON {
    static func dualLLMConfig(_ config: DualLLMConfig) -> JSONValue {
        .object(JSONObject([
            ("id", id(config.id)), ("enabled", .bool(config.enabled)), ("mainAgentPrompt", .string(config.mainAgentPrompt)),
            ("quarantinedAgentPrompt", .string(config.quarantinedAgentPrompt)), ("summaryPrompt", .string(config.summaryPrompt)),
            ("maxRounds", .integer(config.maxRounds)), ("provider", .string(config.provider.rawValue)), ("model", .string(config.model)),
            ("createdAt", date(config.createdAt)), ("updatedAt", date(config.updatedAt)),
        ]))
    }

    static func dualLLMResult(_ result: DualLLMResult) -> JSONValue {
        .object(JSONObject([
            ("id", id(result.id)), ("agentId", id(result.agentId)), ("toolCallId", .string(result.toolCallId)),
            ("conversations", .array(result.conversations.map { ["role": .string($0.role), "content": .string($0.content)] })),
            ("result", .string(result.result)), ("createdAt", date(result.createdAt)),
        ]))
    }
}

/// JSON written from values and from documents kept as text.
enum RawJSON {
    /// A member's value.
    enum Piece {
        case value(JSONValue)
        /// Stored JSON text, written as is when it parses, else as a JSON string.
        case document(String)
        /// Bytes already written as JSON.
        case bytes([UInt8])
    }

    static func object(_ members: [(String, Piece)]) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "{")]
        for (index, (key, piece)) in members.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(key, into: &output)
            output.append(UInt8(ascii: ":"))
            write(piece, into: &output)
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    static func array(_ elements: [[UInt8]]) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "[")]
        for (index, element) in elements.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output += element
        }
        output.append(UInt8(ascii: "]"))
        return output
    }

    private static func write(_ piece: Piece, into output: inout [UInt8]) {
        switch piece {
        case .value(let value):
            JSONWriter.write(value, into: &output)
        case .bytes(let bytes):
            output += bytes
        case .document(let text):
            if (try? JSONParser.parse(text)) != nil {
                output += Array(text.utf8)
            } else {
                JSONWriter.write(.string(text), into: &output)
            }
        }
    }
}
