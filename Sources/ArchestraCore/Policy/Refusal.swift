/// The text that replaces a reply whose tool call was refused.
public struct Refusal: Sendable, Hashable {
    public let toolName: String
    public let arguments: String
    public let reason: String
    /// The refused call's id.
    public let callId: String

    public init(call: NeutralToolCall, reason: String) {
        self.callId = call.id
        self.toolName = call.name
        self.arguments = call.quotedArguments
        self.reason = reason
    }

    /// The refusal that ends a stream whose held events hold no call the gateway can judge (an event it could
    /// not read started the hold): nothing after that event is forwarded.
    public static let unreadableStream = Refusal(
        call: NeutralToolCall(id: "", name: "unknown", arguments: .unparseable("")),
        reason: "The provider sent a stream event the gateway could not read; nothing from it on was forwarded"
    )

    /// What ordinary clients read as the assistant's message.
    public var content: String {
        "\nI tried to invoke the \(toolName) tool with the following arguments: \(arguments).\n\nHowever, I was denied by a tool invocation policy:\n\n\(reason)"
    }

    /// The tagged form of earlier releases, followed by `content`; no longer sent to clients (frameworks raise on a
    /// filled `refusal` field), kept for readers of old records.
    public var refusal: String {
        "\n<archestra-tool-name>\(toolName)</archestra-tool-name>\n<archestra-tool-arguments>\(arguments)</archestra-tool-arguments>\n<archestra-tool-reason>\(reason)</archestra-tool-reason>\n"
            + content
    }
}
