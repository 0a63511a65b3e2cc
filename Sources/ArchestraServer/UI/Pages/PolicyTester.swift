import ArchestraCore
import ArchestraProviders
import ArchestraStore
import Foundation
import Hummingbird

/// Runs a tool's policies on a sample with the proxy's own engine and the agent's own snapshot: a tool result
/// (pasted, or taken from a recent interaction) gets its verdict, arguments get their decision, and every policy
/// shows the values its path found. Nothing is stored.
struct PolicyTester {
    let ui: UIContext

    /// Interactions looked through for recent results of a tool.
    static let recentInteractions = 30

    func register(on group: RouterGroup<AppRequestContext>) {
        group.post("tools/:id/test-result") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let toolId = try AdminID.parse(context.parameters.get("id"))
            let tool = try await ui.admin.tools.get(toolId)
            var sample = form["sample"] ?? ""
            if let key = form.nonEmpty("recent"), let picked = try await result(forKey: key, tool: tool) { sample = picked }
            var page = ToolPage(ui: ui, toolId: toolId)
            page.resultTest = ["sample": sample, "outcome": try await judgeResult(sample, tool: tool)]
            return try await page.render(state: context.ui)
        }
        group.post("tools/:id/test-call") { request, context -> Response in
            let form = try await UIForm.verified(request, context: context, limit: ui.bodyLimit)
            let toolId = try AdminID.parse(context.parameters.get("id"))
            let tool = try await ui.admin.tools.get(toolId)
            let arguments = form["arguments"] ?? ""
            let untrusted = form.checked("untrusted")
            var page = ToolPage(ui: ui, toolId: toolId)
            page.callTest = ["arguments": arguments, "untrusted": untrusted, "outcome": try await judgeCall(arguments, untrusted: untrusted, tool: tool)]
            return try await page.render(state: context.ui)
        }
    }

    /// The verdict on a result, and what each trusted-data policy found in it.
    func judgeResult(_ sample: String, tool: Tool) async throws -> [String: Any] {
        let snapshot = try await ui.proxy.policies.snapshot(for: tool.agentId)
        let value = (try? JSONParser.parse(sample)) ?? .string(sample)
        let judgement = TrustEvaluator.judge(NeutralToolResult(toolCallId: "test", toolName: tool.name, value: value), snapshot: snapshot)
        let rows = snapshot.rules(for: tool.name).trustedData.map { policy -> [String: Any] in
            let values = policy.path.extract(from: value)
            let matches = policy.action == .blockAlways
                ? values.contains(where: policy.condition.isSatisfied(by:))
                : !values.isEmpty && values.allSatisfy(policy.condition.isSatisfied(by:))
            return [
                "name": "\(policy.action == .blockAlways ? "Block" : "Trust"): \(policy.description)", "path": policy.path.description,
                "values": Self.preview(.array(values)), "matches": matches ? "yes" : "no",
            ]
        }
        return ["verdict": judgement.verdict.rawValue, "reason": judgement.reason, "rows": rows]
    }

    /// The decision on a call with these arguments, and what each tool-invocation policy found in them.
    func judgeCall(_ arguments: String, untrusted: Bool, tool: Tool) async throws -> [String: Any] {
        let snapshot = try await ui.proxy.policies.snapshot(for: tool.agentId)
        let call = NeutralToolCall(id: "test", name: tool.name, argumentsText: arguments.isEmpty ? "{}" : arguments)
        let decision = InvocationEvaluator.judge(call, contextIsTrusted: !untrusted, snapshot: snapshot)
        let parsed = (try? JSONParser.parse(arguments)) ?? .object(JSONObject())
        let rows = snapshot.rules(for: tool.name).invocation.map { policy -> [String: Any] in
            let values = policy.path.extract(from: parsed)
            let matches = policy.action == .blockAlways
                ? values.contains(where: policy.condition.isSatisfied(by:))
                : !values.isEmpty && values.allSatisfy(policy.condition.isSatisfied(by:))
            return [
                "name": "\(policy.action == .blockAlways ? "Block" : "Allow"): \(policy.reason ?? policy.argumentName)", "path": policy.argumentName,
                "values": Self.preview(.array(values)), "matches": matches ? "yes" : "no",
            ]
        }
        return [
            "decision": decision.allowed ? "allowed" : "refused", "badge": decision.allowed ? "allowed" : "refused",
            "reason": decision.reason, "rows": rows,
        ]
    }

    /// Results of this tool in the agent's recent interactions: (`<interaction id>:<index>`, label).
    func recentResults(of tool: Tool) async throws -> [(key: String, label: String, value: JSONValue)] {
        var filter = InteractionFilter()
        filter.agentId = tool.agentId
        let rows = try await ui.store.browseInteractions(filter, limit: Self.recentInteractions).rows
        var found: [(key: String, label: String, value: JSONValue)] = []
        for row in rows where found.count < 10 {
            guard let interaction = try await ui.store.interaction(id: row.id) else { continue }
            for (index, result) in results(of: interaction).enumerated() where result.toolName == tool.name {
                found.append(("\(row.id.lowercasedString):\(index)", "\(UIFormat.time(row.createdAt)) — \(Self.preview(result.value, limit: 80))", result.value))
            }
        }
        return found
    }

    private func result(forKey key: String, tool: Tool) async throws -> String? {
        let parts = key.split(separator: ":")
        guard parts.count == 2, let id = UUID(uuidString: String(parts[0])), let index = Int(parts[1]),
            let interaction = try await ui.store.interaction(id: id), interaction.agentId == tool.agentId
        else { return nil }
        let results = results(of: interaction)
        guard results.indices.contains(index) else { return nil }
        let value = results[index].value
        if case .string(let text) = value { return text }
        return JSONWriter.prettyString(value)
    }

    private func results(of interaction: Interaction) -> [NeutralToolResult] {
        guard case .object(let body)? = try? JSONParser.parse(interaction.requestJSON) else { return [] }
        return (Endpoint(rawValue: interaction.type) ?? .openAIChatCompletions).adapter.toolResults(in: body)
    }

    static func preview(_ value: JSONValue, limit: Int = 300) -> String {
        let text = JSONWriter.string(value)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
