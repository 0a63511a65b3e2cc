import ArchestraCore
import HTTPTypes

/// OpenAI: `Authorization: Bearer`, errors as `{"error": {"message", "type", "code"}}`.
public struct OpenAIVendor: Vendor {
    public init() {}

    public var provider: Provider { .openai }
    public var defaultBaseURL: String { "https://api.openai.com/v1" }
    public var baseURLVariable: String { "ARCHESTRA_OPENAI_BASE_URL" }
    public var keyVariable: String { "OPENAI_API_KEY" }
    public var keyLocations: [KeyLocation] { [.bearer] }

    public func serverKeyField(_ key: String) -> HTTPField {
        HTTPField(name: .authorization, value: "Bearer \(key)")
    }

    public func errorBody(_ error: VendorError) -> JSONValue {
        let type: String
        switch error.kind {
        case .authentication: type = "authentication_error"
        case .permission: type = "permission_error"
        case .rateLimit: type = "rate_limit_error"
        case .unavailable: type = "service_unavailable"
        case .invalidRequest: type = "invalid_request_error"
        case .notFound: type = "not_found"
        }
        var body: JSONObject = ["message": .string(error.message), "type": .string(type)]
        if let code = error.code { body["code"] = .string(code) }
        return ["error": .object(body)]
    }

    public func dualLLMPath(model: String) -> String { "/chat/completions" }

    public func dualLLMBody(model: String, messages: [DualLLMMessage], constrained: Bool) -> JSONValue {
        var body: JSONObject = [
            "model": .string(model),
            "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
        ]
        if constrained {
            body["response_format"] = [
                "type": "json_schema",
                "json_schema": [
                    "name": "multiple_choice_response",
                    "schema": [
                        "type": "object", "properties": ["answer": ["type": "integer"]], "required": ["answer"],
                        "additionalProperties": false,
                    ],
                ],
            ]
        }
        body["temperature"] = 0
        return .object(body)
    }

    public func dualLLMText(_ reply: JSONValue) -> String? {
        reply["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
    }

    public func dualLLMHeaders(clientHeaders: HTTPFields, sameVendor: Bool) -> HTTPFields { [:] }

    public func dualLLMUsage(_ reply: JSONObject) -> TokenUsage? { OpenAIChatAdapter.usage(in: reply["usage"]) }
    public func dualLLMUsageReport(_ reply: JSONObject) -> UsageReport? { UsageReading.openAIChat(reply["usage"]) }
}
