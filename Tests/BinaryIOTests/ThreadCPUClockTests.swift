import Foundation
import Testing
import TestSupport

/// The clock the hostile-input tests bound their work with: it must count this thread's work and not the
/// time the thread spends off the CPU, or the bounds would again measure how busy the machine is.
@Suite struct ThreadCPUClockTests {
    @Test func sleepingDoesNotCount() {
        let clock = ThreadCPUClock()
        usleep(300_000)
        #expect(clock.seconds < 0.1)
    }

    @Test func spinningCounts() {
        let clock = ThreadCPUClock()
        let wallStart = Date()
        var x: UInt64 = 1
        // Ends once 50 ms of CPU time have been spent here (or, were the clock stuck, after 20 s).
        while clock.seconds < 0.05, Date().timeIntervalSince(wallStart) < 20 {
            for _ in 0..<10_000 { x = x &* 6_364_136_223_846_793_005 &+ 1 }
        }
        #expect(clock.seconds >= 0.05, "\(x)")
    }
}
