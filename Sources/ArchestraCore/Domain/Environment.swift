import Foundation

/// The source of the current time; injected so that the core never reads the clock itself.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The source of new identifiers; injected so that tests can predict them.
public protocol IdentifierSource: Sendable {
    /// A fresh UUID v4.
    func makeUUID() -> UUID
}
