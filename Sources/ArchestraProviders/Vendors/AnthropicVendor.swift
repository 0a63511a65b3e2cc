import ArchestraCore
import HTTPTypes

/// Anthropic: `x-api-key` (or `Authorization`), errors as `{"type": "error", "error": {"type", "message"}}`.
public struct AnthropicVendor: Vendor {
    public init() {}

    public var provider: Provider { .anthropic }
    public var defaultBaseURL: String { "https://api.anthropic.com/v1" }
    public var baseURLVariable: String { "ARCHESTRA_ANTHROPIC_BASE_URL" }
    public var keyVariable: String { "ANTHROPIC_API_KEY" }
    public var keyLocations: [KeyLocation] { [.header(.xAPIKey), .bearer] }

    /// The API version the gateway's own calls send when the client named none.
    static let defaultVersion = "2023-06-01"
    static let versionField = HTTPField.Name("anthropic-version")!

    public func serverKeyField(_ key: String) -> HTTPField {
        HTTPField(name: .xAPIKey, value: key)
    }

    public func errorBody(_ error: VendorError) -> JSONValue {
        let type: String
        switch error.kind {
        case .authentication: type = "authentication_error"
        case .permission: type = "permission_error"
        case .rateLimit: type = "rate_limit_error"
        case .unavailable: type = "overloaded_error"
        case .invalidRequest: type = "invalid_request_error"
        case .notFound: type = "not_found_error"
        }
        return ["type": "error", "error": ["type": .string(type), "message": .string(error.message)]]
    }

    public func dualLLMPath(model: String) -> String { "/messages" }

    public func dualLLMBody(model: String, messages: [DualLLMMessage], constrained: Bool) -> JSONValue {
        [
            "model": .string(model), "max_tokens": 1024, "temperature": 0,
            "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
        ]
    }

    public func dualLLMText(_ reply: JSONValue) -> String? {
        let texts = (reply["content"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }
        return texts.isEmpty ? nil : texts.joined()
    }

    public func dualLLMHeaders(clientHeaders: HTTPFields, sameVendor: Bool) -> HTTPFields {
        [Self.versionField: (sameVendor ? clientHeaders[Self.versionField] : nil) ?? Self.defaultVersion]
    }

    public func dualLLMUsage(_ reply: JSONObject) -> TokenUsage? { AnthropicMessagesAdapter.usage(in: reply["usage"]) }
    public func dualLLMUsageReport(_ reply: JSONObject) -> UsageReport? { UsageReading.anthropicMessages(reply["usage"]) }
}
