import ArchestraCore

/// The writes the gateway forwards without judging: routes that take data in or out but never let a model call
/// a tool. Everything else that writes is refused until the gateway learns to judge it: legacy completions,
/// Assistants runs, batches (their output would come back around the gateway), and anything new.
enum UnjudgedRoutes {
    /// Whether a POST/PUT/PATCH to this vendor path (agent and version segments removed) may be forwarded.
    static func allows(_ path: [String], provider: Provider) -> Bool {
        guard let first = path.first else { return false }
        switch provider {
        case .openai:
            switch first {
            case "embeddings", "moderations": return path.count == 1
            case "files": return path.count == 1
            case "images", "audio": return path.count >= 2
            case "uploads": return true
            // Create, update, add items: the items are judged for taint on the way through.
            case "conversations": return path.count <= 2 || (path.count == 3 && path[2] == "items")
            case "responses":
                return path == ["responses", "input_tokens"] || (path.count == 3 && path[2] == "cancel")
            default: return false
            }
        case .anthropic:
            return path == ["messages", "count_tokens"]
        case .gemini:
            guard path.count == 2, path[0] == "models", let colon = path[1].lastIndex(of: ":") else { return false }
            let model = path[1][..<colon]
            let action = path[1][path[1].index(after: colon)...]
            return !model.isEmpty && ["countTokens", "embedContent", "batchEmbedContents"].contains(String(action))
        }
    }
}
