import ArchestraCore
import Foundation

/// A clock stopped one second into the minute it was created in: every request of a test that counts requests in a
/// calendar minute falls in the same window, however long the gateway takes to start (up to a minute on a busy
/// machine) and the test to run. A clock that kept running from its creation could cross into the next minute and
/// reset the count under the test. Staying within the current minute never changes the day, so day windows are
/// those of the real date.
struct StoppedMinuteClock: WallClock {
    private let instant: Date

    init() {
        let now = Date().timeIntervalSince1970
        instant = Date(timeIntervalSince1970: now - now.truncatingRemainder(dividingBy: 60) + 1)
    }

    func now() -> Date { instant }
}
