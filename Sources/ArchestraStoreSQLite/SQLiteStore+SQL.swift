import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteStore {
    public func execute(_ statement: SQLStatement) async throws -> [SQLRow] {
        let (sql, values) = statement.rendered { _ in "?" }
        return try await run(sql, values.map(Self.sqliteData)).map(Self.sqlRow)
    }

    public func executeInTransaction(_ statements: [SQLStatement]) async throws {
        try await transaction { connection in
            for statement in statements {
                let (sql, values) = statement.rendered { _ in "?" }
                _ = try await connection.query(sql, values.map(Self.sqliteData))
            }
        }
    }

    static func sqliteData(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .text(let text): .text(text)
        case .integer(let number): .integer(number)
        case .double(let number): .float(number)
        case .bool(let flag): .flag(flag)
        case .uuid(let id): .uuid(id)
        case .date(let date): .date(date)
        }
    }

    static func sqlRow(_ row: SQLiteRow) -> SQLRow {
        var values: [String: SQLValue] = [:]
        for column in row.columns {
            switch column.data {
            case .integer(let number): values[column.name] = .integer(number)
            case .float(let number): values[column.name] = .double(number)
            case .text(let text): values[column.name] = .text(text)
            case .blob(let buffer): values[column.name] = .text(String(buffer: buffer))
            case .null: values[column.name] = .null
            }
        }
        return SQLRow(values: values)
    }
}
