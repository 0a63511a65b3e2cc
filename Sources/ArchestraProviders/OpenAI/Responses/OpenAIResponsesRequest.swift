import ArchestraCore

/// The parts of a Responses request the gateway reads; the body itself is kept as parsed.
struct OpenAIResponsesRequest {
    let body: JSONObject
    let model: String
    let stream: Bool
    let toolDeclarations: [ToolDeclaration]
    let messageCount: Int

    /// Validates a parsed body against the Responses shape the gateway relies on; unknown fields and item types
    /// pass through untouched.
    init(body value: JSONValue) throws(ProviderRequestError) {
        guard case .object(let body) = value else { throw ProviderRequestError("Request body must be a JSON object") }
        guard case .string(let model)? = body["model"] else { throw ProviderRequestError("Field 'model' must be a string") }
        switch body["input"] {
        case nil, .string?:
            messageCount = body["input"] == nil ? 0 : 1
        case .array(let items)?:
            for (index, item) in items.enumerated() where item.objectValue == nil {
                throw ProviderRequestError("input[\(index)] must be an object")
            }
            messageCount = items.count
        default:
            throw ProviderRequestError("Field 'input' must be a string or an array of objects")
        }
        try Self.expect(body["instructions"], isString: true, field: "instructions")
        try Self.expect(body["previous_response_id"], isString: true, field: "previous_response_id")
        switch body["conversation"] {
        case nil, .null?, .string?: break
        case .object(let conversation)? where conversation["id"]?.stringValue != nil: break
        default: throw ProviderRequestError("Field 'conversation' must be a string, an object with a string 'id', or null")
        }
        switch body["stream"] {
        case nil, .null?: stream = false
        case .bool(let flag)?: stream = flag
        default: throw ProviderRequestError("Field 'stream' must be a boolean")
        }
        self.body = body
        self.model = model
        self.toolDeclarations = try Self.declarations(in: body["tools"])
    }

    private static func expect(_ value: JSONValue?, isString: Bool, field: String) throws(ProviderRequestError) {
        switch value {
        case nil, .null?, .string?: return
        default: throw ProviderRequestError("Field '\(field)' must be a string or null")
        }
    }

    /// Function and custom tools by their name; hosted tools (web search, file search, MCP, …) by their type,
    /// `mcp:<server_label>` for MCP servers.
    private static func declarations(in tools: JSONValue?) throws(ProviderRequestError) -> [ToolDeclaration] {
        guard let tools, !tools.isNull else { return [] }
        guard case .array(let items) = tools else { throw ProviderRequestError("Field 'tools' must be an array") }
        var declarations: [ToolDeclaration] = []
        for (index, item) in items.enumerated() {
            guard case .object(let tool) = item, case .string(let type)? = tool["type"] else {
                throw ProviderRequestError("tools[\(index)] must be an object with a string 'type'")
            }
            let description = tool["description"]?.stringValue
            switch type {
            case "function", "custom":
                guard case .string(let name)? = tool["name"] else { throw ProviderRequestError("tools[\(index)].name must be a string") }
                let schema = tool[type == "function" ? "parameters" : "format"]
                declarations.append(ToolDeclaration(
                    name: name, description: description,
                    parameters: schema.flatMap { $0.isNull ? JSONValue?.none : $0 } ?? .object(JSONObject())
                ))
            default:
                declarations.append(ToolDeclaration(
                    name: ResponsesHostedTools.declaredName(type: type, tool: tool), description: description,
                    parameters: .object(JSONObject())
                ))
            }
        }
        return declarations
    }
}

/// The provider-side tools of the Responses API: how they are named as tools, and which items carry what they
/// brought into the context.
enum ResponsesHostedTools {
    /// Item types holding content a provider-side tool produced.
    static let outputItemTypes: Set<String> = [
        "web_search_call", "file_search_call", "mcp_call", "code_interpreter_call", "computer_call_output",
        "image_generation_call", "local_shell_call_output",
    ]

    /// A hosted tool's name as recorded: its type, `mcp:<server_label>` for an MCP server.
    static func declaredName(type: String, tool: JSONObject) -> String {
        type == "mcp" ? "mcp:\(tool["server_label"]?.stringValue ?? "")" : type
    }

    /// The tool an output item belongs to: the declared hosted tool of that family when the request has one (a
    /// `web_search_call` belongs to `web_search_preview` if that is what was declared), else the family's name.
    static func toolName(ofItem item: JSONObject, declared: [String]) -> String? {
        guard let type = item["type"]?.stringValue, outputItemTypes.contains(type) else { return nil }
        switch type {
        case "mcp_call": return "mcp:\(item["server_label"]?.stringValue ?? "")"
        case "web_search_call": return declared.first { $0.hasPrefix("web_search") } ?? "web_search"
        case "computer_call_output": return declared.first { $0.hasPrefix("computer_use") } ?? "computer_use_preview"
        case "file_search_call": return "file_search"
        case "code_interpreter_call": return "code_interpreter"
        case "image_generation_call": return "image_generation"
        default: return "local_shell"
        }
    }

    /// The hosted items of a list of items (input or output), as untrusted tool results.
    static func results(in items: [JSONValue], declared: [String]) -> [NeutralToolResult] {
        items.compactMap { value in
            guard case .object(let item) = value, let name = toolName(ofItem: item, declared: declared) else { return nil }
            let id = item["id"]?.stringValue ?? item["call_id"]?.stringValue ?? ""
            return NeutralToolResult(toolCallId: id, toolName: name, value: value, hosted: true)
        }
    }
}
