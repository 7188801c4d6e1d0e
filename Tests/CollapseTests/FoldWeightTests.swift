import BinaryIO
import Foundation
import Testing
@testable import Collapse
import PerfData

/// What folded weights count (issue 21), checked against perf script's headers of the same captures:
/// per event, its sample count and the sum of the periods perf printed.
@Suite struct FoldWeightTests {
    /// perf script's `comm tid time: period event:` headers: samples and period sum per event.
    static func perfCounts(_ name: String) throws -> [String: (samples: UInt64, periods: UInt64)] {
        let text = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("perf/\(name).script.txt"), encoding: .utf8)
        var out: [String: (samples: UInt64, periods: UInt64)] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("\t") && !line.hasPrefix(" ") {
            let words = line.split(separator: " ")
            guard words.count >= 2, words.last!.hasSuffix(":"), let p = UInt64(words[words.count - 2]) else { continue }
            let event = String(words.last!.dropLast())
            out[event, default: (0, 0)].samples += 1
            out[event, default: (0, 0)].periods += p
        }
        return out
    }

    static func fold(_ name: String, event: String?) throws -> PerfCollapser {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.25").path]
        o.useRunningKernel = false
        o.eventFilter = event
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/\(name)").path))
        return c
    }

    /// Sums of `stack samples weight` lines.
    static func sums(_ folded: [UInt8]) -> (samples: UInt64, weights: UInt64) {
        var s: UInt64 = 0, w: UInt64 = 0
        for line in String(decoding: folded, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            s += UInt64(f[f.count - 2])!
            w += UInt64(f[f.count - 1])!
        }
        return (s, w)
    }

    @Test func clockAndCounterEvents() throws {
        let name = "go1.25-two-events.data"
        let perf = try Self.perfCounts(name)
        let clock = try Self.fold(name, event: nil)
        #expect(clock.weightUnit == .nanoseconds)
        let c = Self.sums(clock.foldedCounted())
        #expect(c.samples == perf["cpu-clock/freq=250/"]?.samples && c.weights == perf["cpu-clock/freq=250/"]?.periods)
        let faults = try Self.fold(name, event: "page-faults/period=50/")
        #expect(faults.weightUnit == .events("page-faults"))
        let f = Self.sums(faults.foldedCounted())
        #expect(
            f.samples == perf["page-faults/period=50/"]?.samples && f.weights == perf["page-faults/period=50/"]?.periods
        )
        #expect(f.samples > 0 && f.weights == 50 * f.samples)
        // The one-column fold is the second column of the counted one, line for line.
        let plain = String(decoding: faults.folded(), as: UTF8.self).split(separator: "\n")
        let counted = String(decoding: faults.foldedCounted(), as: UTF8.self).split(separator: "\n")
        #expect(plain.count == counted.count)
        for (p, q) in zip(plain, counted) {
            let qs = q.split(separator: " ")
            #expect(p == (qs.dropLast(2) + [qs.last!]).joined(separator: " "))
        }
    }

    @Test func countSamplesIsSamples() throws {
        var o = PerfCollapseOptions()
        o.weightByPeriod = false
        o.useRunningKernel = false
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/go1.25-fp-mono.data").path))
        #expect(c.weightUnit == .samples)
    }
}
