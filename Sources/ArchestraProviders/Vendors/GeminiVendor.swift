import ArchestraCore
import HTTPTypes

/// Google Gemini: `x-goog-api-key` or `?key=`, errors as `{"error": {"code", "message", "status"}}`.
public struct GeminiVendor: Vendor {
    public init() {}

    public var provider: Provider { .gemini }
    public var defaultBaseURL: String { "https://generativelanguage.googleapis.com/v1beta" }
    public var baseURLVariable: String { "ARCHESTRA_GEMINI_BASE_URL" }
    public var keyVariable: String { "GEMINI_API_KEY" }
    public var keyLocations: [KeyLocation] { [.header(.xGoogAPIKey), .queryKey] }

    public func serverKeyField(_ key: String) -> HTTPField {
        HTTPField(name: .xGoogAPIKey, value: key)
    }

    public func errorBody(_ error: VendorError) -> JSONValue {
        let status: String
        switch error.kind {
        case .authentication: status = "UNAUTHENTICATED"
        case .permission: status = "PERMISSION_DENIED"
        case .rateLimit: status = "RESOURCE_EXHAUSTED"
        case .unavailable: status = "UNAVAILABLE"
        case .invalidRequest: status = "INVALID_ARGUMENT"
        case .notFound: status = "NOT_FOUND"
        }
        return ["error": ["code": .integer(error.status), "message": .string(error.message), "status": .string(status)]]
    }

    public func dualLLMPath(model: String) -> String { "/models/\(model):generateContent" }

    public func dualLLMBody(model: String, messages: [DualLLMMessage], constrained: Bool) -> JSONValue {
        var generation: JSONObject = ["temperature": 0]
        if constrained {
            generation["responseMimeType"] = "application/json"
            generation["responseSchema"] = [
                "type": "OBJECT", "properties": ["answer": ["type": "INTEGER"]], "required": ["answer"],
            ]
        }
        return [
            "contents": .array(messages.map { message in
                ["role": message.role == "assistant" ? "model" : "user", "parts": [["text": .string(message.content)]]]
            }),
            "generationConfig": .object(generation),
        ]
    }

    public func dualLLMText(_ reply: JSONValue) -> String? {
        let parts = reply["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? []
        let texts = parts.compactMap { $0["text"]?.stringValue }
        return texts.isEmpty ? nil : texts.joined()
    }

    public func dualLLMHeaders(clientHeaders: HTTPFields, sameVendor: Bool) -> HTTPFields { [:] }

    public func dualLLMUsage(_ reply: JSONObject) -> TokenUsage? { GeminiGenerateContentAdapter.usage(in: reply["usageMetadata"]) }
    public func dualLLMUsageReport(_ reply: JSONObject) -> UsageReport? { UsageReading.gemini(reply["usageMetadata"]) }
}
