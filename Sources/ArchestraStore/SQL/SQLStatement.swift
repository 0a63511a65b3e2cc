import ArchestraCore
import Foundation

/// A value bound into a statement; each engine stores it in its own column type (a UUID is `uuid` in
/// PostgreSQL and text in SQLite, a time `timestamptz` or ISO-8601 text, a flag `boolean` or an integer).
public enum SQLValue: Sendable, Hashable {
    case null
    case text(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case uuid(UUID)
    case date(Date)

    public static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
}

/// SQL text with its bound values in order, written once for both engines: each renders the placeholders its
/// own way (`$1` or `?`). Only the gateway's own code writes the SQL text; every value is bound.
public struct SQLStatement: Sendable {
    public enum Part: Sendable {
        case sql(String)
        case bind(SQLValue)
    }

    public private(set) var parts: [Part] = []

    public init(_ sql: String = "") {
        if !sql.isEmpty { parts.append(.sql(sql)) }
    }

    /// Appends SQL text.
    public mutating func append(_ sql: String) { parts.append(.sql(sql)) }

    /// Appends a placeholder for `value`.
    public mutating func bind(_ value: SQLValue) { parts.append(.bind(value)) }

    /// Appends `, `-separated placeholders for the values.
    public mutating func bindList(_ values: [SQLValue]) {
        for (index, value) in values.enumerated() {
            if index > 0 { append(", ") }
            bind(value)
        }
    }

    /// The text with placeholders numbered by `placeholder`, and the values in order.
    public func rendered(placeholder: (Int) -> String) -> (sql: String, values: [SQLValue]) {
        var sql = ""
        var values: [SQLValue] = []
        for part in parts {
            switch part {
            case .sql(let text): sql += text
            case .bind(let value):
                values.append(value)
                sql += placeholder(values.count)
            }
        }
        return (sql, values)
    }
}

extension SQLStatement: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

/// One result row, whatever engine produced it; accessors convert each engine's representation.
public struct SQLRow: Sendable {
    public let values: [String: SQLValue]

    public init(values: [String: SQLValue]) { self.values = values }

    public func text(_ column: String) throws -> String {
        guard case .text(let text)? = values[column] else { throw StoreError.corrupt("column \(column) is not text") }
        return text
    }

    public func optionalText(_ column: String) -> String? {
        if case .text(let text)? = values[column] { return text }
        return nil
    }

    public func int(_ column: String) -> Int {
        switch values[column] {
        case .integer(let value)?: value
        case .double(let value)?: Int(value)
        case .bool(let value)?: value ? 1 : 0
        case .text(let text)?: Int(text) ?? 0
        default: 0
        }
    }

    public func double(_ column: String) -> Double {
        switch values[column] {
        case .double(let value)?: value
        case .integer(let value)?: Double(value)
        case .text(let text)?: Double(text) ?? 0
        default: 0
        }
    }

    public func optionalDouble(_ column: String) -> Double? {
        switch values[column] {
        case .double(let value)?: value
        case .integer(let value)?: Double(value)
        default: nil
        }
    }

    public func bool(_ column: String) -> Bool {
        switch values[column] {
        case .bool(let value)?: value
        case .integer(let value)?: value != 0
        default: false
        }
    }

    public func uuid(_ column: String) throws -> UUID {
        switch values[column] {
        case .uuid(let id)?: return id
        case .text(let text)?: if let id = UUID(uuidString: text) { return id }
        default: break
        }
        throw StoreError.corrupt("column \(column) is not a UUID")
    }

    public func date(_ column: String) throws -> Date {
        guard let date = optionalDate(column) else { throw StoreError.corrupt("column \(column) is not a time") }
        return date
    }

    public func optionalDate(_ column: String) -> Date? {
        switch values[column] {
        case .date(let date)?: date
        case .text(let text)?: Timestamp.parse(text)
        default: nil
        }
    }
}

/// An engine that runs statements written once for both.
public protocol SQLDatabase: Sendable {
    /// Runs a statement; rows come back with their columns by name.
    func execute(_ statement: SQLStatement) async throws -> [SQLRow]
    /// Runs statements in one transaction.
    func executeInTransaction(_ statements: [SQLStatement]) async throws
}
