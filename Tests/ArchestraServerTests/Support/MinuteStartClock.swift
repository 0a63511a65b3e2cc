import ArchestraCore
import Foundation

/// Real time moved back to just after the start of the current minute, at creation: a test that counts requests in
/// a calendar minute then has a whole minute before the window turns over under it, whenever it happens to run.
/// Moving back less than a minute never changes the day, so day windows are unaffected.
struct MinuteStartClock: WallClock {
    private let offset: TimeInterval

    init() {
        let now = Date().timeIntervalSince1970
        offset = now.truncatingRemainder(dividingBy: 60) - 0.1
    }

    func now() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970 - offset) }
}
