import ArchestraCore
import Foundation
import Hummingbird

/// A JSON object sent to the admin API, read field by field with a precise 400 for each mistake.
struct AdminBody {
    let object: JSONObject

    init(_ request: Request, limit: Int) async throws {
        guard Self.declaresJSON(request.headers[.contentType]) else {
            throw GatewayError(
                status: .unsupportedMediaType, type: "invalid_request_error",
                message: "Send the body as JSON with 'Content-Type: application/json'"
            )
        }
        let bytes = try await request.collectBody(limit: limit)
        guard let value = try? JSONParser.parse(bytes.readableBytesView) else {
            throw GatewayError.badRequest("Request body is not valid JSON")
        }
        guard case .object(let object) = value else { throw GatewayError.badRequest("Request body must be a JSON object") }
        self.object = object
    }

    func has(_ field: String) -> Bool { object[field] != nil }

    /// `application/json` or a `+json` type, with any parameters.
    static func declaresJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// A string field; nil when absent (and `required` is false).
    func string(_ field: String, required: Bool = false, nonEmpty: Bool = false) throws -> String? {
        guard let value = object[field] else {
            if required { throw GatewayError.badRequest("Field '\(field)' is required") }
            return nil
        }
        guard case .string(let text) = value else { throw GatewayError.badRequest("Field '\(field)' must be a string") }
        if nonEmpty, text.isEmpty { throw GatewayError.badRequest("Field '\(field)' must be a non-empty string") }
        return text
    }

    /// A boolean field; nil when absent.
    func bool(_ field: String) throws -> Bool? {
        guard let value = object[field] else { return nil }
        guard case .bool(let flag) = value else { throw GatewayError.badRequest("Field '\(field)' must be a boolean") }
        return flag
    }
}

/// Parses ids found in paths and queries.
enum AdminID {
    static func parse(_ text: String?, name: String = "id") throws -> UUID {
        guard let text, let id = UUID(uuidString: text) else {
            throw GatewayError.badRequest("Invalid \(name): \(text ?? "missing")")
        }
        return id
    }

    static func optional(_ text: String?, name: String) throws -> UUID? {
        guard let text else { return nil }
        return try parse(text, name: name)
    }
}

extension AdminBody {
    /// A field holding one of an enumeration's raw values.
    func choice<T: RawRepresentable & CaseIterable>(_ field: String, as type: T.Type, required: Bool) throws -> T? where T.RawValue == String {
        guard let text = try string(field, required: required) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw GatewayError.badRequest("Field '\(field)' must be one of: \(allowed); got '\(text)'")
        }
        return value
    }

    /// A string field that may also be `null` (nil when absent, `.some(nil)` when null).
    func nullableString(_ field: String) throws -> String?? {
        guard let value = object[field] else { return nil }
        switch value {
        case .null: return .some(nil)
        case .string(let text): return .some(text)
        default: throw GatewayError.badRequest("Field '\(field)' must be a string or null")
        }
    }

    /// An ISO-8601 timestamp field; nil when absent or null.
    func timestamp(_ field: String) throws -> Date? {
        guard let value = object[field], !value.isNull else { return nil }
        guard case .string(let text) = value, let date = Timestamp.parse(text) else {
            throw GatewayError.badRequest("Field '\(field)' must be an ISO-8601 timestamp such as 2026-12-31T23:59:59.000Z")
        }
        return date
    }

    /// An object field; nil when absent or null.
    func object(_ field: String) throws -> JSONValue? {
        guard let value = object[field], !value.isNull else { return nil }
        guard case .object = value else { throw GatewayError.badRequest("Field '\(field)' must be an object") }
        return value
    }

    /// A uuid field.
    func uuid(_ field: String, required: Bool) throws -> UUID? {
        guard let text = try string(field, required: required) else { return nil }
        guard let id = UUID(uuidString: text) else { throw GatewayError.badRequest("Field '\(field)' must be a UUID") }
        return id
    }
}

extension AdminBody {
    /// An integer field within `range`; nil when absent.
    func integer(_ field: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = object[field] else { return nil }
        guard case .number = value, let number = value.intValue, range.contains(number) else {
            throw GatewayError.badRequest("Field '\(field)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
