import ArchestraCore
import Foundation

/// Which interactions a list shows.
public struct InteractionFilter: Sendable, Hashable {
    public var agentId: UUID?
    /// An interaction `type` (`openai:responses`, …).
    public var type: String?
    public var refusedOnly = false
    public var taintedOnly = false
    /// An exact status code, or a class: 2 (2xx), 4 (4xx), 5 (5xx).
    public var status: Int?
    public var from: Date?
    public var to: Date?
    /// Words looked for in the previews, tool names and model (case-insensitive).
    public var search: String?
    public var userId: String?
    public var sessionId: String?

    public init() {}
}

/// The order of a list; each keeps a stable keyset so pages never skip or repeat a row.
public enum InteractionSort: String, Sendable, CaseIterable {
    case newest, oldest, slowest, fastest

    var column: String { self == .newest || self == .oldest ? "i.created_at" : "i.duration_ms" }
    var descending: Bool { self == .newest || self == .slowest }
}

/// Where the next page starts: the sort value and id of the last row shown.
public struct InteractionCursor: Sendable, Hashable {
    public var value: SQLValue
    public var id: UUID

    /// An opaque token for a URL.
    public var token: String {
        switch value {
        case .date(let date): "t\(Timestamp.format(date))_\(id.lowercasedString)"
        case .double(let number): "d\(number)_\(id.lowercasedString)"
        default: ""
        }
    }

    public init(value: SQLValue, id: UUID) {
        self.value = value
        self.id = id
    }

    /// Reads a token; nil when it is not one.
    public init?(token: String) {
        guard let separator = token.lastIndex(of: "_"), let id = UUID(uuidString: String(token[token.index(after: separator)...])),
            let kind = token.first
        else { return nil }
        let text = String(token[token.index(after: token.startIndex)..<separator])
        switch kind {
        case "t": guard let date = Timestamp.parse(text) else { return nil }; value = .date(date)
        case "d": guard let number = Double(text) else { return nil }; value = .double(number)
        default: return nil
        }
        self.id = id
    }
}

/// An interaction as a list shows it: no bodies, the summary instead.
public struct InteractionListRow: Sendable, Hashable {
    public var id: UUID
    public var agentId: UUID
    public var agentName: String
    public var type: String
    public var model: String?
    public var statusCode: Int
    public var durationMs: Double
    public var createdAt: Date
    public var summary: InteractionSummary?
    public var userId: String?
    public var sessionId: String?
    /// What the provider reported and what it cost; nil before usage was recorded or when nothing was reported.
    public var usage: InteractionUsage?
}

extension SQLDatabase {
    /// One page of interactions, by keyset: `limit` rows after `cursor`, and the cursor of the next page.
    public func browseInteractions(
        _ filter: InteractionFilter, sort: InteractionSort = .newest, after cursor: InteractionCursor? = nil, limit: Int = 50
    ) async throws -> (rows: [InteractionListRow], next: InteractionCursor?) {
        var statement = SQLStatement(
            """
            SELECT i.id, i.agent_id, a.name AS agent_name, i.type, i.model, i.status_code, i.duration_ms, i.created_at,
                CAST(i.summary AS TEXT) AS summary, i.user_id, i.session_id, CAST(i.token_usage AS TEXT) AS token_usage
            FROM interactions i JOIN agents a ON a.id = i.agent_id WHERE 1 = 1
            """
        )
        filter.apply(to: &statement)
        if let cursor {
            statement.append(" AND (\(sort.column), i.id) \(sort.descending ? "<" : ">") (")
            statement.bindList([cursor.value, .uuid(cursor.id)])
            statement.append(")")
        }
        let direction = sort.descending ? "DESC" : "ASC"
        statement.append(" ORDER BY \(sort.column) \(direction), i.id \(direction) LIMIT ")
        statement.bind(.integer(limit + 1))
        let rows = try await execute(statement).map(InteractionListRow.init(row:))
        let page = Array(rows.prefix(limit))
        guard rows.count > limit, let last = page.last else { return (page, nil) }
        let value: SQLValue = sort.column == "i.created_at" ? .date(last.createdAt) : .double(last.durationMs)
        return (page, InteractionCursor(value: value, id: last.id))
    }

    /// How many interactions match, counted up to `cap` (a list says "more than" beyond it rather than count
    /// millions of rows).
    public func countInteractions(_ filter: InteractionFilter, cap: Int = 10_000) async throws -> Int {
        var inner = SQLStatement("SELECT 1 FROM interactions i WHERE 1 = 1")
        filter.apply(to: &inner)
        inner.append(" LIMIT ")
        inner.bind(.integer(cap))
        var statement = SQLStatement("SELECT COUNT(*) AS n FROM (")
        for part in inner.parts {
            switch part {
            case .sql(let text): statement.append(text)
            case .bind(let value): statement.bind(value)
            }
        }
        statement.append(") capped")
        return try await execute(statement).first?.int("n") ?? 0
    }
}

extension InteractionFilter {
    func apply(to statement: inout SQLStatement) {
        if let agentId { statement.append(" AND i.agent_id = "); statement.bind(.uuid(agentId)) }
        if let type { statement.append(" AND i.type = "); statement.bind(.text(type)) }
        if refusedOnly { statement.append(" AND i.refused = "); statement.bind(.bool(true)) }
        if taintedOnly { statement.append(" AND i.tainted = "); statement.bind(.bool(true)) }
        if let status {
            if status < 10 {
                statement.append(" AND i.status_code >= "); statement.bind(.integer(status * 100))
                statement.append(" AND i.status_code < "); statement.bind(.integer(status * 100 + 100))
            } else {
                statement.append(" AND i.status_code = "); statement.bind(.integer(status))
            }
        }
        if let from { statement.append(" AND i.created_at >= "); statement.bind(.date(from)) }
        if let to { statement.append(" AND i.created_at < "); statement.bind(.date(to)) }
        if let userId { statement.append(" AND i.user_id = "); statement.bind(.text(userId)) }
        if let sessionId { statement.append(" AND i.session_id = "); statement.bind(.text(sessionId)) }
        for word in (search ?? "").lowercased().split(whereSeparator: \.isWhitespace).prefix(8) {
            statement.append(" AND i.search_text LIKE ")
            statement.bind(.text("%" + Self.escapingLike(String(word)) + "%"))
            statement.append(" ESCAPE '!'")
        }
    }

    /// `%`, `_` and the escape character itself matched literally.
    static func escapingLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "!" { escaped.append("!") }
            escaped.append(character)
        }
        return escaped
    }
}

extension InteractionListRow {
    init(row: SQLRow) throws {
        id = try row.uuid("id")
        agentId = try row.uuid("agent_id")
        agentName = try row.text("agent_name")
        type = try row.text("type")
        model = row.optionalText("model")
        statusCode = row.int("status_code")
        durationMs = row.double("duration_ms")
        createdAt = try row.date("created_at")
        summary = row.optionalText("summary").flatMap { try? JSONParser.parse(StoredJSON.decode($0)) }.flatMap(InteractionSummary.init(json:))
        userId = row.optionalText("user_id")
        sessionId = row.optionalText("session_id")
        usage = Interaction.usage(fromStored: row.optionalText("token_usage"))
    }
}
