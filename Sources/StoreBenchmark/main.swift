import ArchestraCore
import ArchestraServer
import ArchestraStore
import Foundation
import Logging

// archestra-store-bench: how fast a store takes interaction records, the way the log writer sends them (batches
// in one transaction each), and a way to fill a store with realistic records to measure the UI and queries
// against millions of rows.
//
//   swift run -c release archestra-store-bench [--database-url URL] [--rows N] [--batch N] [--days D]
//
// DATABASE_URL (or --database-url) picks the engine exactly as `archestra serve` does; the default is an
// in-memory SQLite store. Records are spread over the last D days (default 7) across 20 agents, with the
// benchmark's tainted-context request, a refusal in one reply of ten and a tainted context in three of ten.

var arguments = CommandLine.arguments.dropFirst().makeIterator()
var options: [String: String] = [:]
while let name = arguments.next() {
    guard name.hasPrefix("--"), let value = arguments.next() else {
        FileHandle.standardError.write(Data("usage: archestra-store-bench [--database-url URL] [--rows N] [--batch N] [--days D]\n".utf8))
        exit(2)
    }
    options[String(name.dropFirst(2))] = value
}
let rows = options["rows"].flatMap(Int.init) ?? 100_000
let batchSize = options["batch"].flatMap(Int.init) ?? 500
let days = options["days"].flatMap(Double.init) ?? 7
var environment = ProcessInfo.processInfo.environment
if let url = options["database-url"] { environment["DATABASE_URL"] = url }
if environment["DATABASE_URL"] == nil { environment["DATABASE_URL"] = "sqlite::memory:" }

let config = try AppConfig.parse(environment: environment)
var logger = Logger(label: "archestra-store-bench")
logger.logLevel = .warning
let now = Date()
let request = try String(contentsOfFile: "bench/payloads/tainted-context.json", encoding: .utf8)
try await withMigratedStore(config.database, logger: logger) { store in
    try await fill(store)
}

@Sendable func fill(_ store: any Store) async throws {

    let agents = (0..<20).map { index in
        Agent(id: UUID(), name: "bench-agent-\(index)", isDemo: false, createdAt: now, updatedAt: now)
    }
    for agent in agents { try await store.insertAgent(agent) }

    let response = #"{"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"send_email","arguments":"{\"to\":\"a@b.c\"}"}}]}}],"usage":{"prompt_tokens":120,"completion_tokens":20,"total_tokens":140}}"#

    func record(_ index: Int) -> Interaction {
        let refused = index % 10 == 0
        let tainted = index % 10 < 3
        let evaluation = InteractionEvaluation(
            contextIsTrusted: !tainted,
            toolResults: [.init(toolCallId: "call_0", toolName: "get_emails", verdict: tainted ? "untrusted" : "trusted", reason: "bench", dualLlm: false)],
            toolCalls: [.init(toolCallId: "call_1", toolName: "send_email", allowed: !refused, reason: refused ? "Tool invocation blocked: context contains untrusted data" : "allowed")]
        )
        let createdAt = now.addingTimeInterval(-days * 86_400 * Double(rows - index) / Double(rows))
        return Interaction(
            id: UUID(), agentId: agents[index % agents.count].id, type: "openai:chatCompletions", requestJSON: request,
            responseJSON: response, model: "gpt-4o", statusCode: index % 97 == 0 ? 502 : 200, durationMs: 1.5,
            evaluationJSON: JSONWriter.string(evaluation.json), createdAt: createdAt,
            userId: "user-\(index % 1000)", sessionId: "session-\(index / 20)",
            summary: InteractionSummary(evaluation: evaluation, userText: "Summarise my inbox, message \(index)", replyText: nil)
        )
    }

    let clock = ContinuousClock()
    let started = clock.now
    var written = 0
    var slowest = Duration.zero
    while written < rows {
        let batch = (written..<min(written + batchSize, rows)).map(record)
        let batchStart = clock.now
        try await store.insertInteractions(batch)
        slowest = max(slowest, clock.now - batchStart)
        written += batch.count
        if written % (batchSize * 200) == 0 {
            let elapsed = clock.now - started
            print("\(written) rows, \(Int(Double(written) / elapsed.seconds)) rows/s")
        }
    }
    let elapsed = clock.now - started
    print("store: \(config.database.summary)")
    print("rows: \(rows), batch: \(batchSize), seconds: \(String(format: "%.2f", elapsed.seconds)), rows/s: \(Int(Double(rows) / elapsed.seconds)), slowest batch: \(String(format: "%.1f", slowest.seconds * 1000)) ms")
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
