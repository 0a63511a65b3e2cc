import ArchestraCore
import Hummingbird
import NIOCore

extension Response {
    /// A JSON response written from a `JSONValue`.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(bytes: JSONWriter.bytes(value), status: status)
    }

    /// A JSON response from bytes already encoded.
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Request {
    /// The whole body, refused with 413 past `limit` (checked against Content-Length first when present).
    func collectBody(limit: Int) async throws -> ByteBuffer {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit { throw GatewayError.tooLarge(limit: limit) }
        do {
            return try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw GatewayError.tooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            // What `collect(upTo:)` throws when a body without Content-Length (chunked) runs past the limit.
            throw GatewayError.tooLarge(limit: limit)
        }
    }
}
