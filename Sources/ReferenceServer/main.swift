import ArchestraCore
import ArchestraServer
import Foundation
import Hummingbird

// The least any Swift gateway must do, measured beside the gateway by the benchmark harness: read the body, parse
// the JSON once, answer the canned completion. Same HTTP stack and HTTP/1.0 handling as the gateway, nothing else.
// Usage: archestra-reference [port]

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 9001
let canned = ByteBuffer(string: #"{"id":"chatcmpl-mock123","object":"chat.completion","created":1760000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_mock789","type":"function","function":{"name":"list_files","arguments":"{\"path\": \".\"}"}}]},"finish_reason":"tool_calls","logprobs":null}],"usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}"#)

let router = Router()
router.post("/v1/openai/chat/completions") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 10 * 1024 * 1024)
    guard (try? JSONParser.parse(body.readableBytesView)) != nil else { return Response(status: .badRequest) }
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: canned))
}
let app = Application(
    router: router, server: .gatewayHTTP1(),
    configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: 4096)
)
try await app.runService()
