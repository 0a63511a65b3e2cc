import ArchestraCore
import ArchestraStore
import Foundation

/// Token prices: the built-in ones, with the operator's over them. An operator's price for a model that has a
/// built-in price takes that price's id, so the list shows one entry per model and deleting the operator's price
/// brings the built-in one back.
struct TokenPriceService: Sendable {
    let context: AdminContext

    /// What a create or an update sets; nil leaves a field as it is (for `cachedInputPerMillion`, `.some(nil)`
    /// clears it: cached tokens are then charged as input).
    struct Fields: Sendable {
        var model: String?
        var inputPerMillion: Double?
        var cachedInputPerMillion: Double??
        var outputPerMillion: Double?
        var source: String??
    }

    /// Every price in force, by model name.
    func list() async throws -> [TokenPrice] {
        PriceBook(overrides: try await context.store.listTokenPrices()).prices
    }

    /// The price with this id: the operator's, else the built-in one.
    func get(_ id: UUID) async throws -> TokenPrice {
        if let stored = try await context.store.tokenPrice(id: id) { return stored }
        if let builtIn = BuiltInTokenPrices.price(id: id) { return builtIn }
        throw Self.notFound(id)
    }

    /// Sets the price of a model: a new price, or a change of the one the operator set before (a model with a
    /// built-in price keeps its id).
    func create(_ fields: Fields) async throws -> TokenPrice {
        guard let model = fields.model else { throw AdminError.invalid("Field 'model' is required", field: "model") }
        guard let input = fields.inputPerMillion else { throw AdminError.invalid("Field 'inputPerMillion' is required", field: "inputPerMillion") }
        guard let output = fields.outputPerMillion else {
            throw AdminError.invalid("Field 'outputPerMillion' is required", field: "outputPerMillion")
        }
        let now = context.clock.now()
        let existing = try await context.store.tokenPrice(model: model)
        let price = TokenPrice(
            id: existing?.id ?? BuiltInTokenPrices.price(forModel: model)?.id ?? context.ids.makeUUID(), model: model,
            inputPerMillion: input, cachedInputPerMillion: fields.cachedInputPerMillion ?? nil, outputPerMillion: output,
            source: fields.source ?? nil, createdAt: existing?.createdAt ?? now, updatedAt: now
        )
        return try await save(price)
    }

    /// Changes a price; changing a built-in one stores the operator's price in its place.
    func update(_ id: UUID, _ fields: Fields) async throws -> TokenPrice {
        var price = try await get(id)
        let now = context.clock.now()
        if price.builtIn {
            price.builtIn = false
            price.source = nil
            price.createdAt = now
        }
        if let model = fields.model, model != price.model {
            if BuiltInTokenPrices.price(id: id) != nil {
                throw AdminError.invalid("The model of a built-in price cannot change; add a price for '\(model)' instead", field: "model")
            }
            if let builtIn = BuiltInTokenPrices.price(forModel: model) {
                throw AdminError.invalid(
                    "'\(model)' has a built-in price (id \(builtIn.id.lowercasedString)); change that one instead", field: "model"
                )
            }
            price.model = model
        }
        if let input = fields.inputPerMillion { price.inputPerMillion = input }
        if let cached = fields.cachedInputPerMillion { price.cachedInputPerMillion = cached }
        if let output = fields.outputPerMillion { price.outputPerMillion = output }
        if let source = fields.source { price.source = source }
        price.updatedAt = now
        return try await save(price)
    }

    /// Deletes the operator's price; a built-in price for the model, if any, is in force again.
    func delete(_ id: UUID) async throws {
        guard try await context.store.deleteTokenPrice(id: id) else {
            if BuiltInTokenPrices.price(id: id) != nil {
                throw AdminError.invalid("Built-in prices cannot be deleted; change them with PUT to set the operator's own")
            }
            throw Self.notFound(id)
        }
        await context.publish()
    }

    private func save(_ price: TokenPrice) async throws -> TokenPrice {
        try Self.validate(price)
        if let other = try await context.store.tokenPrice(model: price.model), other.id != price.id {
            throw AdminError.invalid(
                "A price for model '\(price.model)' already exists (id \(other.id.lowercasedString))", field: "model"
            )
        }
        try await context.store.saveTokenPrice(price)
        await context.publish()
        return price
    }

    static func validate(_ price: TokenPrice) throws {
        if let problem = TokenPrice.modelNameProblem(price.model) {
            throw AdminError.invalid("Field 'model' \(problem)", field: "model")
        }
        let amounts: [(String, Double?)] = [
            ("inputPerMillion", price.inputPerMillion), ("cachedInputPerMillion", price.cachedInputPerMillion),
            ("outputPerMillion", price.outputPerMillion),
        ]
        for case (let field, let value?) in amounts {
            if let problem = TokenPrice.priceProblem(value) { throw AdminError.invalid("Field '\(field)' \(problem)", field: field) }
        }
        if let source = price.source, source.unicodeScalars.count > 500 {
            throw AdminError.invalid("Field 'source' must be at most 500 characters", field: "source")
        }
    }

    static func notFound(_ id: UUID) -> AdminError { .notFound("Token price with ID \(id.lowercasedString) not found") }
}
