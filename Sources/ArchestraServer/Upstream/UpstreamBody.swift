import NIOCore

/// A provider's response body, whatever transport produced it: an async sequence of byte buffers.
struct UpstreamBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let makeNext: @Sendable () -> (() async throws -> ByteBuffer?)

    /// Wraps any sequence of buffers (the HTTP client's body).
    init<Source: AsyncSequence & Sendable>(_ source: Source) where Source.Element == ByteBuffer {
        makeNext = {
            var iterator = source.makeAsyncIterator()
            return { try await iterator.next() }
        }
    }

    /// A body that is already in memory, delivered buffer by buffer.
    init(buffers: [ByteBuffer]) {
        makeNext = {
            var remaining = buffers.makeIterator()
            return { remaining.next() }
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let nextBuffer: () async throws -> ByteBuffer?

        mutating func next() async throws -> ByteBuffer? { try await nextBuffer() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(nextBuffer: makeNext()) }

    /// Every byte, refused once it passes `limit`.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await buffer in self {
            guard collected.readableBytes + buffer.readableBytes <= limit else { throw UpstreamBodyTooLarge(limit: limit) }
            var buffer = buffer
            collected.writeBuffer(&buffer)
        }
        return collected
    }
}

/// A provider body past the gateway's cap.
struct UpstreamBodyTooLarge: Error, Sendable {
    let limit: Int
}
