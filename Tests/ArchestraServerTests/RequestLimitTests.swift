import ArchestraCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `ARCHESTRA_MAX_MESSAGES`, `ARCHESTRA_MAX_TOOL_DECLARATIONS` and `ARCHESTRA_MAX_TOOL_RESULTS` bound one request's
/// work: past a bound the answer is a 400 naming the variable, and nothing is forwarded, recorded or created.
@Suite("Request limits", .timeLimit(.minutes(1)))
struct RequestLimitTests {
    static let environment = ["ARCHESTRA_MAX_MESSAGES": "4", "ARCHESTRA_MAX_TOOL_DECLARATIONS": "2", "ARCHESTRA_MAX_TOOL_RESULTS": "1"]

    static func tools(_ count: Int) -> String {
        (0..<count).map { #"{"type":"function","function":{"name":"tool_\#($0)"}}"# }.joined(separator: ",")
    }

    /// A chat body with `messages` user messages, `results` tool results (each after its call) and `tools` tools.
    static func openAIBody(messages: Int = 1, results: Int = 0, tools: Int = 0) -> String {
        var items = (0..<messages).map { #"{"role":"user","content":"m\#($0)"}"# }
        for index in 0..<results {
            items.append(#"{"role":"assistant","tool_calls":[{"id":"call_\#(index)","type":"function","function":{"name":"t","arguments":"{}"}}]}"#)
            items.append(#"{"role":"tool","tool_call_id":"call_\#(index)","content":"r"}"#)
        }
        let toolMember = tools > 0 ? #","tools":[\#(Self.tools(tools))]"# : ""
        return #"{"model":"gpt-4o","messages":[\#(items.joined(separator: ","))]\#(toolMember)}"#
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var path: String
        var body: String
        var variable: String
        var testDescription: String { label }
    }

    static let gemini = "/v1/gemini/v1beta/models/gemini-2.5-flash:generateContent"

    static let cases: [Case] = [
        Case(label: "OpenAI, 5 messages", path: "/v1/openai/chat/completions", body: openAIBody(messages: 5), variable: "ARCHESTRA_MAX_MESSAGES"),
        Case(label: "OpenAI, 3 tools", path: "/v1/openai/chat/completions", body: openAIBody(tools: 3), variable: "ARCHESTRA_MAX_TOOL_DECLARATIONS"),
        Case(label: "OpenAI, 2 tool results", path: "/v1/openai/chat/completions", body: openAIBody(messages: 0, results: 2), variable: "ARCHESTRA_MAX_TOOL_RESULTS"),
        Case(
            label: "Anthropic, 5 messages", path: "/v1/anthropic/v1/messages",
            body: #"{"model":"claude","max_tokens":8,"messages":[\#((0..<5).map { _ in #"{"role":"user","content":"x"}"# }.joined(separator: ","))]}"#,
            variable: "ARCHESTRA_MAX_MESSAGES"
        ),
        Case(
            label: "Anthropic, 2 tool results", path: "/v1/anthropic/v1/messages",
            body: #"{"model":"claude","max_tokens":8,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":"1"},{"type":"tool_result","tool_use_id":"b","content":"2"}]}]}"#,
            variable: "ARCHESTRA_MAX_TOOL_RESULTS"
        ),
        Case(
            label: "Anthropic, 3 tools", path: "/v1/anthropic/v1/messages",
            body: #"{"model":"claude","max_tokens":8,"messages":[],"tools":[{"name":"a"},{"name":"b"},{"name":"c"}]}"#,
            variable: "ARCHESTRA_MAX_TOOL_DECLARATIONS"
        ),
        Case(
            label: "Responses, 5 input items", path: "/v1/openai/responses",
            body: #"{"model":"gpt-4o","input":[\#((0..<5).map { _ in #"{"role":"user","content":"x"}"# }.joined(separator: ","))]}"#,
            variable: "ARCHESTRA_MAX_MESSAGES"
        ),
        Case(
            label: "Responses, 3 tools", path: "/v1/openai/responses",
            body: #"{"model":"gpt-4o","input":"x","tools":[{"type":"function","name":"a"},{"type":"function","name":"b"},{"type":"web_search"}]}"#,
            variable: "ARCHESTRA_MAX_TOOL_DECLARATIONS"
        ),
        Case(
            label: "Responses, 2 function_call_output items", path: "/v1/openai/responses",
            body: #"{"model":"gpt-4o","input":[{"type":"function_call","call_id":"a","name":"t","arguments":"{}"},{"type":"function_call_output","call_id":"a","output":"1"},{"type":"function_call_output","call_id":"b","output":"2"}]}"#,
            variable: "ARCHESTRA_MAX_TOOL_RESULTS"
        ),
        Case(
            label: "Gemini, 5 contents", path: gemini,
            body: #"{"contents":[\#((0..<5).map { _ in #"{"role":"user","parts":[{"text":"x"}]}"# }.joined(separator: ","))]}"#,
            variable: "ARCHESTRA_MAX_MESSAGES"
        ),
        Case(
            label: "Gemini, 3 declarations in two tools entries", path: gemini,
            body: #"{"contents":[],"tools":[{"functionDeclarations":[{"name":"a"},{"name":"b"}]},{"functionDeclarations":[{"name":"c"}]}]}"#,
            variable: "ARCHESTRA_MAX_TOOL_DECLARATIONS"
        ),
        Case(
            label: "Gemini, 2 function responses", path: gemini,
            body: #"{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"a","response":{}}},{"functionResponse":{"name":"b","response":{}}}]}]}"#,
            variable: "ARCHESTRA_MAX_TOOL_RESULTS"
        ),
    ]

    @Test("Past a bound → 400 naming the variable; nothing forwarded, recorded or created", arguments: cases)
    func pastBound(_ testCase: Case) async throws {
        try await withAllVendorsUpstream(environment: Self.environment) { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let response = try await live.send(
                .post, testCase.path, headers: [.contentType: "application/json", .userAgent: "limit-tester/1"], body: testCase.body
            )
            expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            let message = try response.json()["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains(testCase.variable), "\(message)")
            #expect(fake.requests.isEmpty)
            await live.gateway.log.flush()
            #expect(try await live.getJSON("/api/interactions")["data"] == [])
            #expect(try await live.getJSON("/api/tools") == [])
            #expect(try await live.getJSON("/api/agents") == [], "a refused request creates no agent")
        }
    }

    @Test("At every bound the request passes")
    func atBounds() async throws {
        try await withAllVendorsUpstream(environment: Self.environment) { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            for body in [Self.openAIBody(messages: 4), Self.openAIBody(tools: 2), Self.openAIBody(messages: 2, results: 1)] {
                let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: body)
                #expect(response.status == .ok, "\(response.bodyText)")
            }
            #expect(fake.requests.count == 3)
        }
    }

    @Test("Model and tool names with control characters or over 256 characters are refused")
    func badNames() async throws {
        try await withAllVendorsUpstream { fake, live in
            fake.setFallback(.json(upstreamCompletion))
            let long = String(repeating: "m", count: 257)
            for body in [
                chatBody(model: #"gpt\u0000"#), chatBody(model: #"gpt\n4o"#), chatBody(model: long),
                Self.openAIBody(tools: 0).replacingOccurrences(of: "}]}", with: #"}],"tools":[{"type":"function","function":{"name":"a\u001bb"}}]}"#),
            ] {
                let response = try await live.send(.post, "/v1/openai/chat/completions", headers: [.contentType: "application/json"], body: body)
                expectGatewayError(response, status: .badRequest, type: "invalid_request_error")
            }
            #expect(fake.requests.isEmpty)
            #expect(try await live.send(.post, "/v1/openai/chat/completions", body: chatBody(model: String(repeating: "m", count: 256))).status == .ok)
        }
    }
}
