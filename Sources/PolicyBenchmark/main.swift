import ArchestraCore
import ArchestraProviders
import Foundation

// Measures what the policy engine adds to one proxied request: parsing the client's body once, finding and judging
// every tool result, and judging the model's tool call — on the tainted-context conversation of the benchmark,
// against a snapshot with several policies. Run in release: `swift run -c release archestra-policy-bench`.

let body = Array(BenchmarkFixture.taintedContext.utf8)
let completion = try JSONParser.parse(BenchmarkFixture.completion)

func makeSnapshot() -> PolicySnapshot {
    let epoch = Date(timeIntervalSince1970: 0)
    let agent = UUID()
    func tool(_ name: String) -> Tool {
        Tool(id: UUID(), agentId: agent, name: name, parameters: [:], description: nil,
             allowUsageWhenUntrustedDataIsPresent: false, dataIsTrustedByDefault: false, createdAt: epoch, updatedAt: epoch)
    }
    let emails = tool("get_emails"), send = tool("send_email"), files = tool("list_files")
    let trusted = [
        TrustedDataPolicy(id: UUID(), toolId: emails.id, description: "Block injections", attributePath: "emails[*].body",
                          op: .regex, value: "(?i)ignore (all )?previous instructions", action: .blockAlways, createdAt: epoch, updatedAt: epoch),
        TrustedDataPolicy(id: UUID(), toolId: emails.id, description: "Company senders", attributePath: "emails[*].from",
                          op: .endsWith, value: "@company.com", action: .markAsTrusted, createdAt: epoch.addingTimeInterval(1), updatedAt: epoch),
    ]
    let invocation = [
        ToolInvocationPolicy(id: UUID(), toolId: send.id, argumentName: "to", op: .endsWith, value: "@evil.example",
                             action: .blockAlways, reason: "No mail to attackers", createdAt: epoch, updatedAt: epoch),
        ToolInvocationPolicy(id: UUID(), toolId: files.id, argumentName: "path", op: .equal, value: ".",
                             action: .allowWhenContextIsUntrusted, reason: nil, createdAt: epoch, updatedAt: epoch),
    ]
    return PolicySnapshot(tools: [emails, send, files], trustedData: trusted, invocation: invocation)
}

let snapshot = makeSnapshot()

@inline(never)
func evaluateOnce() throws -> Bool {
    let request = try OpenAIChatRequest(body: try JSONParser.parse(body))
    let context = ContextJudgement(results: OpenAIChatAdapter.locatedToolResults(in: request.body).map(\.result), snapshot: snapshot)
    let calls = OpenAIChatAdapter.toolCalls(inCompletion: completion)
    let judged = InvocationEvaluator.judgeAll(calls, contextIsTrusted: context.contextIsTrusted, snapshot: snapshot)
    return judged.firstRefused == nil
}

func measure(iterations: Int) throws -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    var allowed = 0
    for _ in 0..<iterations where try evaluateOnce() { allowed += 1 }
    precondition(allowed <= iterations)
    return clock.now - start
}

let iterations = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 50_000
_ = try measure(iterations: iterations / 10)  // warm-up
var samples: [Double] = []
for _ in 0..<5 {
    let elapsed = try measure(iterations: iterations)
    samples.append(Double(elapsed.components.attoseconds) / 1e9 / Double(iterations) + Double(elapsed.components.seconds) * 1e9 / Double(iterations))
}
samples.sort()
print(String(format: "policy evaluation per request (tainted_context, parse + judge): median %.2f µs, best %.2f µs over 5 runs of %d",
             samples[2] / 1000, samples[0] / 1000, iterations))
