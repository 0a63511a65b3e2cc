import ArchestraCore
import ArchestraProviders
import Testing

@Suite("OpenAI chat request validation")
struct OpenAIChatRequestTests {
    private func request(_ text: String) throws -> OpenAIChatRequest {
        try OpenAIChatRequest(body: try JSONParser.parse(text))
    }

    static let validBodies: [(body: String, model: String, stream: Bool, toolNames: [String])] = [
        (#"{"model":"gpt-4o","messages":[]}"#, "gpt-4o", false, []),
        (#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true}"#, "gpt-4o", true, []),
        (#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":false}"#, "gpt-4o", false, []),
        (#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":null}"#, "gpt-4o", false, []),
        (#"{"model":"o3","messages":[{"role":"developer","content":[{"type":"text","text":"x"}]},{"role":"assistant","content":null}]}"#, "o3", false, []),
        (#"{"model":"gpt-4o","messages":[],"tools":[]}"#, "gpt-4o", false, []),
        (
            #"{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{"name":"a"}},{"type":"custom","custom":{"name":"b"}}]}"#,
            "gpt-4o", false, ["a", "b"]
        ),
        (#"{"unknown":{"kept":true},"model":"m","messages":[{"role":"user","x-extra":1}],"temperature":0.2}"#, "m", false, []),
    ]

    @Test("Valid bodies are accepted", arguments: validBodies)
    func valid(body: String, model: String, stream: Bool, toolNames: [String]) throws {
        let parsed = try request(body)
        #expect(parsed.model == model)
        #expect(parsed.stream == stream)
        #expect(parsed.toolDeclarations.map(\.name) == toolNames)
        // The body is kept as parsed, unknown fields and member order included.
        #expect(JSONWriter.string(.object(parsed.body)) == body)
    }

    static let invalidBodies: [(body: String, fragment: String)] = [
        ("[]", "must be a JSON object"),
        (#""text""#, "must be a JSON object"),
        (#"{"messages":[]}"#, "'model' must be a string"),
        (#"{"model":4,"messages":[]}"#, "'model' must be a string"),
        (#"{"model":null,"messages":[]}"#, "'model' must be a string"),
        (#"{"model":"gpt-4o"}"#, "'messages' must be an array"),
        (#"{"model":"gpt-4o","messages":{"role":"user"}}"#, "'messages' must be an array"),
        (#"{"model":"gpt-4o","messages":"hi"}"#, "'messages' must be an array"),
        (#"{"model":"gpt-4o","messages":["hi"]}"#, "messages[0] must be an object"),
        (#"{"model":"gpt-4o","messages":[{"content":"no role"}]}"#, "messages[0].role must be a string"),
        (#"{"model":"gpt-4o","messages":[{"role":"user"},{"role":7}]}"#, "messages[1].role must be a string"),
        (#"{"model":"gpt-4o","messages":[{"role":null}]}"#, "messages[0].role must be a string"),
        (#"{"model":"gpt-4o","messages":[],"tools":{}}"#, "'tools' must be an array"),
        (#"{"model":"gpt-4o","messages":[],"tools":"get_weather"}"#, "'tools' must be an array"),
        (#"{"model":"gpt-4o","messages":[],"tools":[1]}"#, "tools[0] must be an object"),
        (#"{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{}}]}"#, "tools[0].function.name must be a string"),
        (#"{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{"name":3}}]}"#, "tools[0].function.name must be a string"),
        (#"{"model":"gpt-4o","messages":[],"tools":[{"type":"function"}]}"#, "tools[0].function must be an object"),
        (#"{"model":"gpt-4o","messages":[],"tools":[{"type":"custom","custom":{"description":"x"}}]}"#, "tools[0].custom.name must be a string"),
        (#"{"model":"gpt-4o","messages":[],"tools":[{"type":"custom","function":{"name":"x"}}]}"#, "tools[0].custom must be an object"),
        (#"{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{"name":"ok"}},{"type":"web_search"}]}"#, "tools[1].type must be"),
        (#"{"model":"gpt-4o","messages":[],"stream":"true"}"#, "'stream' must be a boolean"),
        (#"{"model":"gpt-4o","messages":[],"stream":1}"#, "'stream' must be a boolean"),
    ]

    @Test("Invalid bodies are refused with a message naming the problem", arguments: invalidBodies)
    func invalid(body: String, fragment: String) throws {
        let value = try JSONParser.parse(body)
        #expect {
            _ = try OpenAIChatRequest(body: value)
        } throws: { error in
            guard let error = error as? ProviderRequestError else { return false }
            return error.message.contains(fragment)
        }
    }

    @Test("Tool declarations carry name, description and parameters; parameters default to {}")
    func toolDeclarations() throws {
        let parsed = try request(#"""
            {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[
              {"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},
              {"type":"function","function":{"name":"no_schema"}},
              {"type":"function","function":{"name":"null_schema","description":null,"parameters":null}},
              {"type":"custom","custom":{"name":"grammar_tool","description":"Free-form","format":{"type":"grammar","grammar":{"syntax":"lark","definition":"start: WORD"}}}},
              {"type":"custom","custom":{"name":"plain_custom"}}
            ]}
            """#)
        let expected = [
            ToolDeclaration(
                name: "get_weather", description: "Weather for a city",
                parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
            ),
            ToolDeclaration(name: "no_schema", description: nil, parameters: [:]),
            ToolDeclaration(name: "null_schema", description: nil, parameters: [:]),
            ToolDeclaration(
                name: "grammar_tool", description: "Free-form",
                parameters: ["type": "grammar", "grammar": ["syntax": "lark", "definition": "start: WORD"]]
            ),
            ToolDeclaration(name: "plain_custom", description: nil, parameters: [:]),
        ]
        #expect(parsed.toolDeclarations == expected)
    }
}
