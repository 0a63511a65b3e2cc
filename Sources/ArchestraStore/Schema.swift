/// The schema's tables in the order migrations create them and deletes cascade through them.
public enum Schema {
    /// Table names, parents before children.
    public static let tables = [
        "agents", "tools", "tool_invocation_policies", "trusted_data_policies", "interactions", "dual_llm_config",
        "dual_llm_results", "relayed_responses", "conversations", "virtual_keys", "interaction_rollups",
        "token_prices", "usage_limits", "limit_counters",
    ]
}
