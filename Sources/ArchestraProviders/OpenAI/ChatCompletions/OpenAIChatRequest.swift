import ArchestraCore

/// The parts of an OpenAI chat-completions request the gateway reads; the body itself is kept as parsed.
public struct OpenAIChatRequest: Sendable {
    /// The whole body, members in the client's order.
    public let body: JSONObject
    public let model: String
    public let stream: Bool
    /// Tools the request declares, in order.
    public let toolDeclarations: [ToolDeclaration]

    /// Validates a parsed body against the chat-completions shape the gateway relies on.
    public init(body value: JSONValue) throws(ProviderRequestError) {
        guard case .object(let body) = value else { throw ProviderRequestError("Request body must be a JSON object") }
        guard case .string(let model)? = body["model"] else {
            throw ProviderRequestError("Field 'model' must be a string")
        }
        guard case .array(let messages)? = body["messages"] else {
            throw ProviderRequestError("Field 'messages' must be an array")
        }
        for (index, message) in messages.enumerated() {
            guard case .object(let object) = message else {
                throw ProviderRequestError("messages[\(index)] must be an object")
            }
            guard case .string = object["role"] else {
                throw ProviderRequestError("messages[\(index)].role must be a string")
            }
        }
        switch body["stream"] {
        case nil, .null?: self.stream = false
        case .bool(let flag)?: self.stream = flag
        default: throw ProviderRequestError("Field 'stream' must be a boolean")
        }
        self.body = body
        self.model = model
        // The deprecated `functions` API has its own call and result shapes; rather than forward calls it does not
        // judge, the gateway refuses it.
        for legacy in ["functions", "function_call"] where body[legacy].map({ !$0.isNull }) ?? false {
            throw ProviderRequestError("Field '\(legacy)' (the deprecated functions API) is not accepted; declare 'tools' instead")
        }
        self.toolDeclarations = try Self.declarations(in: body["tools"])
    }

    private static func declarations(in tools: JSONValue?) throws(ProviderRequestError) -> [ToolDeclaration] {
        guard let tools, !tools.isNull else { return [] }
        guard case .array(let items) = tools else { throw ProviderRequestError("Field 'tools' must be an array") }
        var declarations: [ToolDeclaration] = []
        for (index, item) in items.enumerated() {
            guard case .object(let tool) = item else { throw ProviderRequestError("tools[\(index)] must be an object") }
            let kind = tool["type"]?.stringValue ?? "function"
            guard kind == "function" || kind == "custom" else {
                throw ProviderRequestError("tools[\(index)].type must be 'function' or 'custom'")
            }
            guard case .object(let definition)? = tool[kind] else {
                throw ProviderRequestError("tools[\(index)].\(kind) must be an object")
            }
            guard case .string(let name)? = definition["name"] else {
                throw ProviderRequestError("tools[\(index)].\(kind).name must be a string")
            }
            let schema = kind == "function" ? definition["parameters"] : definition["format"]
            declarations.append(
                ToolDeclaration(
                    name: name,
                    description: definition["description"]?.stringValue,
                    // Not `flatMap { $0.isNull ? nil : $0 }`: JSONValue is ExpressibleByNilLiteral, so that `nil` is `.null`.
                    parameters: schema.flatMap { $0.isNull ? JSONValue?.none : $0 } ?? .object(JSONObject())
                )
            )
        }
        return declarations
    }
}
