import ArchestraCore
import HTTPTypes

/// What the gateway knows about one LLM vendor, whatever its endpoint: where it lives, how a key travels, how it
/// shapes its errors, and how the Dual LLM talks to it. Each vendor states these facts once, in its own type;
/// nothing outside this module switches on the provider.
public protocol Vendor: Sendable {
    var provider: Provider { get }
    /// The upstream base URL when none is configured.
    var defaultBaseURL: String { get }
    /// The environment variable that overrides the base URL.
    var baseURLVariable: String { get }
    /// The environment variable holding the server-side key.
    var keyVariable: String { get }
    /// Where this vendor's SDKs put a key, in the order they are looked at.
    var keyLocations: [KeyLocation] { get }
    /// The header the server-side key is sent in.
    func serverKeyField(_ key: String) -> HTTPField
    /// The vendor's error body for an error the gateway answers on its routes (401, 403, 429, 503, …).
    func errorBody(_ error: VendorError) -> JSONValue

    /// The Dual LLM's call: path below the base URL, body, and the reply's text (nil fails the run).
    func dualLLMPath(model: String) -> String
    func dualLLMBody(model: String, messages: [DualLLMMessage], constrained: Bool) -> JSONValue
    func dualLLMText(_ reply: JSONValue) -> String?
    /// Headers the vendor requires on a call the gateway makes itself (e.g. Anthropic's API version).
    func dualLLMHeaders(clientHeaders: HTTPFields, sameVendor: Bool) -> HTTPFields
    /// Tokens a Dual LLM reply reports.
    func dualLLMUsage(_ reply: JSONObject) -> TokenUsage?
    /// Tokens a Dual LLM reply reports, every kind, in the terms prices are quoted in.
    func dualLLMUsageReport(_ reply: JSONObject) -> UsageReport?
}

extension Provider {
    /// This provider's facts.
    public var vendor: any Vendor {
        switch self {
        case .openai: OpenAIVendor()
        case .anthropic: AnthropicVendor()
        case .gemini: GeminiVendor()
        }
    }
}

/// An error the gateway answers in a vendor's own shape, so the vendor's SDK raises its usual exception.
public struct VendorError: Sendable, Equatable {
    /// What went wrong, in the terms every vendor maps onto its own.
    public enum Kind: Sendable, Equatable {
        case authentication, permission, rateLimit, unavailable, invalidRequest, notFound
    }

    public var kind: Kind
    public var status: Int
    public var message: String
    /// A machine-readable code where the vendor's shape has one (OpenAI's `code`).
    public var code: String?

    public init(kind: Kind, status: Int, message: String, code: String? = nil) {
        self.kind = kind
        self.status = status
        self.message = message
        self.code = code
    }
}

/// One place a key can travel in.
public enum KeyLocation: Sendable, Hashable {
    /// `Authorization: Bearer <key>`.
    case bearer
    /// A header holding the bare key (`x-api-key`, `x-goog-api-key`).
    case header(HTTPField.Name)
    /// The `key` query parameter.
    case queryKey

    /// The headers every vendor's key may arrive in.
    public static let allHeaders: [HTTPField.Name] = [.authorization, .xAPIKey, .xGoogAPIKey]
}

extension HTTPField.Name {
    /// Anthropic's key header.
    public static let xAPIKey = HTTPField.Name("x-api-key")!
    /// Google's key header.
    public static let xGoogAPIKey = HTTPField.Name("x-goog-api-key")!
}
