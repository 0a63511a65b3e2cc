import ArchestraCore
import ArchestraStore
import Foundation
import SQLiteNIO

extension SQLiteRow {
    func text(_ name: String) throws -> String {
        guard let value = column(name)?.string else { throw StoreError.corrupt("missing text column \(name)") }
        return value
    }

    func optionalText(_ name: String) -> String? {
        guard let data = column(name), data != .null else { return nil }
        return data.string
    }

    func uuid(_ name: String) throws -> UUID {
        guard let value = UUID(uuidString: try text(name)) else { throw StoreError.corrupt("bad uuid in \(name)") }
        return value
    }

    func date(_ name: String) throws -> Date {
        guard let value = Timestamp.parse(try text(name)) else { throw StoreError.corrupt("bad timestamp in \(name)") }
        return value
    }

    func flag(_ name: String) -> Bool { (column(name)?.integer ?? 0) != 0 }

    func int(_ name: String) -> Int { column(name)?.integer ?? 0 }

    func double(_ name: String) -> Double { column(name)?.double ?? 0 }

    func json(_ name: String) throws -> JSONValue {
        do { return try JSONParser.parse(try text(name)) } catch { throw StoreError.corrupt("bad JSON in \(name)") }
    }
}

extension SQLiteData {
    static func uuid(_ value: UUID) -> SQLiteData { .text(value.lowercasedString) }
    static func date(_ value: Date) -> SQLiteData { .text(Timestamp.format(value)) }
    static func flag(_ value: Bool) -> SQLiteData { .integer(value ? 1 : 0) }
    static func optionalText(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
}
