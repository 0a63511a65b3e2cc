import ArchestraCore
import Foundation

/// The operator's token prices (the built-in ones live in code and are never stored). Written once for both
/// engines: the statements are plain SQL both understand, and PostgreSQL's trigger announces every change.
extension SQLDatabase {
    private static var tokenPriceColumns: String {
        "id, model, input_per_million, cached_input_per_million, output_per_million, source, created_at, updated_at"
    }

    /// Every stored price, by model name.
    public func listTokenPrices() async throws -> [TokenPrice] {
        try await execute(SQLStatement("SELECT \(Self.tokenPriceColumns) FROM token_prices ORDER BY model, id")).map(Self.tokenPrice)
    }

    /// The stored price with this id.
    public func tokenPrice(id: UUID) async throws -> TokenPrice? {
        var statement = SQLStatement("SELECT \(Self.tokenPriceColumns) FROM token_prices WHERE id = ")
        statement.bind(.uuid(id))
        return try await execute(statement).first.map(Self.tokenPrice)
    }

    /// The stored price for exactly this model name.
    public func tokenPrice(model: String) async throws -> TokenPrice? {
        var statement = SQLStatement("SELECT \(Self.tokenPriceColumns) FROM token_prices WHERE model = ")
        statement.bind(.text(model))
        return try await execute(statement).first.map(Self.tokenPrice)
    }

    /// Stores a price, or overwrites the one with its id (creation time kept). Another price's model name is
    /// refused by the database (`StoreError.rejected`).
    public func saveTokenPrice(_ price: TokenPrice) async throws {
        var statement = SQLStatement("INSERT INTO token_prices (\(Self.tokenPriceColumns)) VALUES (")
        statement.bindList([
            .uuid(price.id), .text(price.model), .double(price.inputPerMillion), price.cachedInputPerMillion.map(SQLValue.double) ?? .null,
            .double(price.outputPerMillion), .optional(price.source), .date(price.createdAt), .date(price.updatedAt),
        ])
        statement.append(
            """
            ) ON CONFLICT (id) DO UPDATE SET model = excluded.model, input_per_million = excluded.input_per_million,
            cached_input_per_million = excluded.cached_input_per_million, output_per_million = excluded.output_per_million,
            source = excluded.source, updated_at = excluded.updated_at
            """
        )
        _ = try await execute(statement)
    }

    /// Deletes a stored price; false when there was none with this id.
    public func deleteTokenPrice(id: UUID) async throws -> Bool {
        var statement = SQLStatement("DELETE FROM token_prices WHERE id = ")
        statement.bind(.uuid(id))
        statement.append(" RETURNING id")
        return try await !execute(statement).isEmpty
    }

    private static func tokenPrice(_ row: SQLRow) throws -> TokenPrice {
        TokenPrice(
            id: try row.uuid("id"), model: try row.text("model"), inputPerMillion: row.double("input_per_million"),
            cachedInputPerMillion: row.optionalDouble("cached_input_per_million"), outputPerMillion: row.double("output_per_million"),
            builtIn: false, source: row.optionalText("source"), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at")
        )
    }
}
