import ArchestraCore
import HTTPTypes
import Testing

@testable import ArchestraProviders

/// Who pays for a call: a client's key is used only at its own vendor, and an anonymous request never spends the
/// server's keys on another vendor.
@Suite("Payer")
struct PayerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var payer: Payer
        var target: Provider
        var origin: Provider
        var serverKeys: [Provider: String]
        var expected: Payer
        var testDescription: String { "\(payer) for \(origin.rawValue) → \(target.rawValue), server keys \(serverKeys.keys.map(\.rawValue).sorted())" }
    }

    static let allKeys: [Provider: String] = [.openai: "sk-srv", .anthropic: "ant-srv", .gemini: "gem-srv"]

    static let cases: [Case] = [
        // The client's own key stays with its own vendor.
        Case(payer: .client, target: .openai, origin: .openai, serverKeys: allKeys, expected: .client),
        Case(payer: .client, target: .gemini, origin: .gemini, serverKeys: [:], expected: .client),
        // Elsewhere nobody pays: a client's own key (any string) never unlocks the server's keys.
        Case(payer: .client, target: .anthropic, origin: .openai, serverKeys: allKeys, expected: .nobody),
        Case(payer: .client, target: .anthropic, origin: .openai, serverKeys: [.openai: "sk-srv"], expected: .nobody),
        Case(payer: .client, target: .openai, origin: .gemini, serverKeys: allKeys, expected: .nobody),
        // The server pays only with the target vendor's key, never with the origin's.
        Case(payer: .server(key: "sk-srv"), target: .openai, origin: .openai, serverKeys: allKeys, expected: .server(key: "sk-srv")),
        Case(payer: .server(key: "sk-srv"), target: .gemini, origin: .openai, serverKeys: allKeys, expected: .server(key: "gem-srv")),
        Case(payer: .server(key: "sk-srv"), target: .gemini, origin: .openai, serverKeys: [.openai: "sk-srv"], expected: .nobody),
        // Nobody pays for an anonymous request, whatever keys the server holds.
        Case(payer: .nobody, target: .openai, origin: .openai, serverKeys: allKeys, expected: .nobody),
        Case(payer: .nobody, target: .anthropic, origin: .openai, serverKeys: allKeys, expected: .nobody),
    ]

    @Test("forCall(to:from:serverKeys:)", arguments: cases)
    func forCall(_ testCase: Case) {
        #expect(testCase.payer.forCall(to: testCase.target, from: testCase.origin, serverKeys: testCase.serverKeys) == testCase.expected)
    }

    static let clientHeaders: HTTPFields = [
        .authorization: "Bearer sk-client", .xAPIKey: "ant-client", .xGoogAPIKey: "gem-client", .userAgent: "sdk/1",
    ]

    @Test("keyFields: the client's fields of that vendor only, the server's key field, or nothing")
    func keyFields() {
        let openAI = OpenAIVendor(), anthropic = AnthropicVendor(), gemini = GeminiVendor()
        #expect(openAI.keyFields(for: .client, clientHeaders: Self.clientHeaders) == [HTTPField(name: .authorization, value: "Bearer sk-client")])
        #expect(
            anthropic.keyFields(for: .client, clientHeaders: Self.clientHeaders)
                == [HTTPField(name: .xAPIKey, value: "ant-client"), HTTPField(name: .authorization, value: "Bearer sk-client")]
        )
        #expect(gemini.keyFields(for: .client, clientHeaders: Self.clientHeaders) == [HTTPField(name: .xGoogAPIKey, value: "gem-client")])
        #expect(openAI.keyFields(for: .server(key: "sk-srv"), clientHeaders: Self.clientHeaders) == [HTTPField(name: .authorization, value: "Bearer sk-srv")])
        #expect(anthropic.keyFields(for: .server(key: "ant-srv"), clientHeaders: Self.clientHeaders) == [HTTPField(name: .xAPIKey, value: "ant-srv")])
        #expect(gemini.keyFields(for: .server(key: "gem-srv"), clientHeaders: Self.clientHeaders) == [HTTPField(name: .xGoogAPIKey, value: "gem-srv")])
        for vendor in [openAI, anthropic, gemini] as [any Vendor] {
            #expect(vendor.keyFields(for: .nobody, clientHeaders: Self.clientHeaders).isEmpty)
        }
    }

    @Test("presentedKey: where each vendor's SDKs put a key, in order; a Gemini query key counts")
    func presentedKey() {
        #expect(OpenAIVendor().presentedKey(in: [.authorization: "Bearer sk-1"], queryKey: nil) == PresentedKey(location: .bearer, value: "sk-1"))
        #expect(OpenAIVendor().presentedKey(in: [.xAPIKey: "ant"], queryKey: "k") == nil)
        #expect(AnthropicVendor().presentedKey(in: [.xAPIKey: "ant", .authorization: "Bearer b"], queryKey: nil)?.value == "ant")
        #expect(AnthropicVendor().presentedKey(in: [.authorization: "Bearer b"], queryKey: nil) == PresentedKey(location: .bearer, value: "b"))
        #expect(GeminiVendor().presentedKey(in: [:], queryKey: "qk") == PresentedKey(location: .queryKey, value: "qk"))
        #expect(GeminiVendor().presentedKey(in: [.authorization: "Bearer x"], queryKey: nil) == nil)
    }
}
