import Foundation
import Testing
@testable import Collapse
import PerfData

/// The default event of a capture with several: the first declared that has samples, and a note saying
/// which was folded (issue 18).
@Suite struct EventChoiceTests {
    static func fold(_ name: String, _ configure: (inout PerfCollapseOptions) -> Void = { _ in }) throws -> (
        folded: String, warnings: [String]
    ) {
        try foldWithGo125Binaries(
            try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/\(name)").path), configure)
    }

    /// `-e major-faults -e cpu-clock`: major-faults never fired. The fold is cpu-clock's, as perf script
    /// prints it (every sample there is cpu-clock), not empty.
    @Test func firstDeclaredEventWithoutSamples() throws {
        let name = "go1.25-first-event-empty.data"
        // As recorded: perf script prints perf's chains, without the Go callers stackfold adds back.
        let r = try Self.fold(name) { $0.recordedStacks = true }
        let script = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("perf/\(name).script.txt"), encoding: .utf8)
        #expect(!script.contains("major-faults"))
        #expect(!r.folded.isEmpty)
        #expect(r.folded == (try PerfDataCollapseTests.perfScriptFolded(name)))
        #expect(try Self.fold(name).warnings == r.warnings)
        #expect(
            r.warnings == [
                "folded event cpu-clock: the first declared, major-faults, has no samples; pass --event-filter NAME for another"
            ])
        // Asked for by name, the empty event stays empty: that is what was asked.
        #expect(try Self.fold(name) { $0.eventFilter = "major-faults" }.folded.isEmpty)
    }

    /// An event the capture does not have keeps no sample, even with one event (whose samples would
    /// otherwise pass as the named one's), and the empty fold says why, naming the events perf recorded
    /// (perf script of go1.25-fp-mono: every sample is cpu-clock).
    @Test func anEventTheCaptureLacksFoldsNothing() throws {
        let name = "go1.25-fp-mono.data"
        let script = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("perf/\(name).script.txt"), encoding: .utf8)
        #expect(script.contains(" cpu-clock:") && !script.contains("page-faults"))
        let file = try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/\(name)").path)
        var o = PerfCollapseOptions()
        o.useRunningKernel = false
        o.eventFilter = "page-faults"
        var c = PerfCollapser(options: o)
        try c.collapse(file)
        #expect(c.folded().isEmpty && c.samples == 0 && c.capturedSamples > 0)
        #expect(c.nothingFolded(file)?.contains("no event named page-faults in this capture (its events: cpu-clock)") == true)
        o.eventFilter = "cpu-clock"
        var kept = PerfCollapser(options: o)
        try kept.collapse(file)
        #expect(kept.samples == kept.capturedSamples && kept.nothingFolded(file) == nil)
    }

    /// Two events with samples: the first declared is folded, and the note says so with each one's
    /// samples (perf script: 115 cpu-clock/freq=250/ lines, 694 page-faults/period=50/).
    @Test func severalEventsWithSamplesAreNamed() throws {
        let r = try Self.fold("go1.25-two-events.data")
        #expect(
            r.warnings == [
                "folded event cpu-clock/freq=250/, the first declared, of cpu-clock/freq=250/ (115 samples), "
                    + "page-faults/period=50/ (694 samples); pass --event-filter NAME for another"
            ])
        let script = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("perf/go1.25-two-events.data.script.txt"), encoding: .utf8
        )
        #expect(script.components(separatedBy: " cpu-clock/freq=250/:").count - 1 == 115)
        #expect(script.components(separatedBy: " page-faults/period=50/:").count - 1 == 694)
    }

    /// One event, or one with samples (perf's dummy events have none): no note.
    @Test(arguments: ["go1.25-fp-mono.data", "go1.25-system-wide.data"])
    func oneEventWithSamplesIsNotNoted(_ name: String) throws {
        #expect(try Self.fold(name).warnings.allSatisfy { !$0.contains("folded event") })
    }
}
