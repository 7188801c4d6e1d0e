import Align
import Collapse
import Foundation
import GoTrace
import PerfData
import Testing

/// Times a hostile capture can carry (issue 22; Fixtures/hostile, made by Fixtures/generate-hostile.sh
/// with scripts/hostile/perfpatch.py from real captures): alignment completes, never trapping on
/// arithmetic near Int64.max, and the other samples still align.
@Suite struct HostileTimeTests {
    static func capture(_ perfPath: String, trace: String, searchDir: String) throws -> AlignedCapture {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.useRunningKernel = false
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/\(searchDir)").path]
        let perf = try PerfFile(path: Paths.fixtures.appendingPathComponent(perfPath).path)
        let bytes = try Data(contentsOf: Paths.fixtures.appendingPathComponent("gotrace/\(trace).trace"))
        let t = try bytes.withUnsafeBytes { try GoTrace(bytes: $0) }
        return try AlignedCapture(perf: perf, options: o, trace: t)
    }

    /// Go 1.21: one sample at 0x7fffffffffffffff ns. The fit leaves it out: the other samples agree with
    /// the trace as in the untouched capture (AttributionTests), M0 is the main thread.
    @Test func v1SampleAtInt64Max() throws {
        let c = try Self.capture("hostile/go1.21-time-max.data", trace: "go1.21-fp-default-clock", searchDir: "go1.21")
        #expect(c.collapser.sampleRecords.contains { $0.time == 0x7fff_ffff_ffff_ffff })
        #expect(c.alignment.agreement >= 0.9, "\(c.alignment)")
        let pid = try #require(c.collapser.sampleRecords.first?.pid)
        #expect(c.alignment.threadOfM[0] == Int64(pid))
    }

    /// CLOCK_DATA whose wall-clock bridge lands near Int64.max, with the trace of another run (so the
    /// same-clock check fails and the bridge is tried): the estimate completes.
    @Test func clockDataNearInt64Max() throws {
        let c = try Self.capture(
            "hostile/go1.25-clock-data-max.data", trace: "go1.25-fp-default-clock", searchDir: "go1.25")
        #expect(c.alignment.offset.magnitude <= 1 << 62)
        #expect(c.attributions.count == c.collapser.sampleRecords.count)
    }

    /// Samples at 5 ns and 0xfffffffffffffff0 ns beside the real ones, aligned with their own trace.
    @Test func samplesAtBothEndsOfTime() throws {
        let c = try Self.capture("hostile/go1.25-times-extreme.data", trace: "go1.25-fp-mono", searchDir: "go1.25")
        #expect(c.collapser.sampleRecords.contains { $0.time == 5 })
        #expect(c.collapser.sampleRecords.contains { $0.time == 0xffff_ffff_ffff_fff0 })
        #expect(c.attributions.count == c.collapser.sampleRecords.count)
    }
}
