import ArchestraCore
import ArchestraProviders
import Hummingbird
import NIOCore

/// An error the gateway answers itself, rendered as `{"error": {"message", "type"}}` in one place.
public struct GatewayError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let type: String
    public let message: String

    public init(status: HTTPResponse.Status, type: String, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    public var description: String { "\(status.code) \(type): \(message)" }

    public static func badRequest(_ message: String) -> GatewayError {
        GatewayError(status: .badRequest, type: "invalid_request_error", message: message)
    }

    public static func notFound(_ message: String) -> GatewayError {
        GatewayError(status: .notFound, type: "not_found", message: message)
    }

    public static let unauthorized = GatewayError(
        status: .unauthorized, type: "authentication_error", message: "Missing or invalid admin token"
    )

    public static func tooLarge(limit: Int) -> GatewayError {
        GatewayError(status: .contentTooLarge, type: "request_too_large", message: "Request body exceeds the limit of \(limit) bytes")
    }

    public static func upstreamUnreachable(_ message: String) -> GatewayError {
        GatewayError(status: .badGateway, type: "upstream_error", message: message)
    }

    public static func upstreamTimeout(_ message: String) -> GatewayError {
        GatewayError(status: .gatewayTimeout, type: "upstream_timeout", message: message)
    }

    public static let internalError = GatewayError(
        status: .internalServerError, type: "api_error", message: "Internal server error"
    )

    /// The error body as bytes.
    public var body: ByteBuffer {
        var bytes: [UInt8] = Array(#"{"error":{"message":"#.utf8)
        JSONWriter.writeString(message, into: &bytes)
        bytes += Array(#","type":"#.utf8)
        JSONWriter.writeString(type, into: &bytes)
        bytes += Array("}}".utf8)
        return ByteBuffer(bytes: bytes)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The error as a response.
    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        // The rest of a refused body is not worth reading: the connection ends after the answer.
        if status == .contentTooLarge { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

/// An error the gateway answers on a provider route in that vendor's own error shape (401, 403, 429, …), so the
/// vendor's SDK raises its usual exception.
struct VendorShapedError: Error, Sendable, CustomStringConvertible {
    let status: HTTPResponse.Status
    let body: [UInt8]
    let headers: HTTPFields

    init(_ error: VendorError, vendor: any Vendor, headers: HTTPFields = [:]) {
        self.status = .init(code: error.status)
        self.body = JSONWriter.bytes(vendor.errorBody(error))
        self.headers = headers
    }

    var description: String { "\(status.code) \(String(decoding: body, as: UTF8.self))" }

    var response: Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
