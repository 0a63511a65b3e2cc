import ArchestraCore
import ArchestraStore
import Foundation
import PostgresNIO

extension PostgresStore {
    public func execute(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await query(Self.postgresQuery(statement)).map(Self.sqlRow)
    }

    public func executeInTransaction(_ statements: [SQLStatement]) async throws {
        let logger = self.logger
        try await transaction { connection in
            for statement in statements { try await connection.query(Self.postgresQuery(statement), logger: logger) }
        }
    }

    static func postgresQuery(_ statement: SQLStatement) -> PostgresQuery {
        let (sql, values) = statement.rendered { "$\($0)" }
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .text(let text): bindings.append(text)
            case .integer(let number): bindings.append(number)
            case .double(let number): bindings.append(number)
            case .bool(let flag): bindings.append(flag)
            case .uuid(let id): bindings.append(id)
            case .date(let date): bindings.append(date)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// Columns decoded by their PostgreSQL type; `numeric` and anything unknown as text.
    static func sqlRow(_ row: PostgresRow) throws -> SQLRow {
        var values: [String: SQLValue] = [:]
        for cell in row {
            guard cell.bytes != nil else {
                values[cell.columnName] = .null
                continue
            }
            switch cell.dataType {
            case .int2, .int4, .int8: values[cell.columnName] = .integer(try cell.decode(Int.self))
            case .float4, .float8: values[cell.columnName] = .double(try cell.decode(Double.self))
            case .bool: values[cell.columnName] = .bool(try cell.decode(Bool.self))
            case .uuid: values[cell.columnName] = .uuid(try cell.decode(UUID.self))
            case .timestamptz, .timestamp: values[cell.columnName] = .date(try cell.decode(Date.self))
            case .numeric:
                let number = try cell.decode(Decimal.self)
                // Sums of integer columns are numeric in PostgreSQL; integral ones read as integers.
                if number == number.rounded(), let whole = Int(exactly: NSDecimalNumber(decimal: number).int64Value), Decimal(whole) == number {
                    values[cell.columnName] = .integer(whole)
                } else {
                    values[cell.columnName] = .double(NSDecimalNumber(decimal: number).doubleValue)
                }
            default: values[cell.columnName] = .text(try cell.decode(String.self))
            }
        }
        return SQLRow(values: values)
    }
}

extension Decimal {
    /// The value rounded to a whole number.
    fileprivate func rounded() -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, 0, .plain)
        return result
    }
}
