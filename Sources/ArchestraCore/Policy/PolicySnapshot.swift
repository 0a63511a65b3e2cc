import Foundation

/// Everything needed to judge one agent's traffic, compiled once and never changed: an admin write builds a new one.
public struct PolicySnapshot: Sendable {
    /// One tool's flags and compiled policies, in creation order.
    public struct ToolRules: Sendable {
        public var allowUsageWhenUntrustedDataIsPresent: Bool
        public var dataIsTrustedByDefault: Bool
        public var trustedData: [CompiledTrustedDataPolicy]
        public var invocation: [CompiledInvocationPolicy]

        public init(
            allowUsageWhenUntrustedDataIsPresent: Bool = false, dataIsTrustedByDefault: Bool = false,
            trustedData: [CompiledTrustedDataPolicy] = [], invocation: [CompiledInvocationPolicy] = []
        ) {
            self.allowUsageWhenUntrustedDataIsPresent = allowUsageWhenUntrustedDataIsPresent
            self.dataIsTrustedByDefault = dataIsTrustedByDefault
            self.trustedData = trustedData
            self.invocation = invocation
        }
    }

    /// Rules by tool name; a tool the agent lacks has no policies and false flags.
    public let tools: [String: ToolRules]

    public init(tools: [String: ToolRules]) {
        self.tools = tools
    }

    /// A snapshot for an agent with no tools.
    public static let empty = PolicySnapshot(tools: [:])

    /// Builds the snapshot from stored rows. Policies whose path or regex no longer compile are skipped: they were
    /// validated when written, so this only guards against foreign writes to the database.
    public init(tools: [Tool], trustedData: [TrustedDataPolicy], invocation: [ToolInvocationPolicy]) {
        var byId: [UUID: String] = [:]
        var rules: [String: ToolRules] = [:]
        for tool in tools {
            byId[tool.id] = tool.name
            rules[tool.name] = ToolRules(
                allowUsageWhenUntrustedDataIsPresent: tool.allowUsageWhenUntrustedDataIsPresent,
                dataIsTrustedByDefault: tool.dataIsTrustedByDefault
            )
        }
        for policy in trustedData.sorted(by: Self.creationOrder) {
            guard let name = byId[policy.toolId], let compiled = CompiledTrustedDataPolicy(policy) else { continue }
            rules[name]?.trustedData.append(compiled)
        }
        for policy in invocation.sorted(by: Self.creationOrder) {
            guard let name = byId[policy.toolId], let compiled = CompiledInvocationPolicy(policy) else { continue }
            rules[name]?.invocation.append(compiled)
        }
        self.tools = rules
    }

    private static func creationOrder<T: PolicyRow>(_ lhs: T, _ rhs: T) -> Bool {
        lhs.createdAt != rhs.createdAt ? lhs.createdAt < rhs.createdAt : lhs.id.uuidString < rhs.id.uuidString
    }

    /// The rules of a tool, or the empty rules of a tool the agent lacks.
    public func rules(for toolName: String) -> ToolRules { tools[toolName] ?? ToolRules() }
}

protocol PolicyRow {
    var id: UUID { get }
    var createdAt: Date { get }
}

extension TrustedDataPolicy: PolicyRow {}
extension ToolInvocationPolicy: PolicyRow {}

/// A trusted-data policy with its path parsed and its condition compiled.
public struct CompiledTrustedDataPolicy: Sendable {
    public let description: String
    public let path: AttributePath
    public let condition: PolicyCondition
    public let action: TrustedDataAction

    public init?(_ policy: TrustedDataPolicy) {
        guard let path = AttributePath(policy.attributePath),
            let condition = try? PolicyCondition(op: policy.op, value: policy.value)
        else { return nil }
        self.description = policy.description
        self.path = path
        self.condition = condition
        self.action = policy.action
    }
}

/// A tool-invocation policy with its path parsed and its condition compiled.
public struct CompiledInvocationPolicy: Sendable {
    public let argumentName: String
    public let path: AttributePath
    public let condition: PolicyCondition
    public let action: ToolInvocationAction
    public let reason: String?

    public init?(_ policy: ToolInvocationPolicy) {
        guard let path = AttributePath(policy.argumentName),
            let condition = try? PolicyCondition(op: policy.op, value: policy.value)
        else { return nil }
        self.argumentName = policy.argumentName
        self.path = path
        self.condition = condition
        self.action = policy.action
        self.reason = policy.reason
    }
}
