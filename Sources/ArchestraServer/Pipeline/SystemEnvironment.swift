import ArchestraCore
import Foundation

/// The real clock, truncated to milliseconds so that stored and returned timestamps agree exactly.
struct SystemWallClock: WallClock {
    func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}

/// Random UUID v4s.
struct RandomIdentifierSource: IdentifierSource {
    func makeUUID() -> UUID { UUID() }
}
