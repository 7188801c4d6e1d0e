import BinaryIO
import Foundation
import Testing
@testable import Collapse
import PerfData

/// A group read (`perf record -e '{cpu-clock,task-clock}:S' -g`, Fixtures/corners/go1.25-group.data, made
/// by Fixtures/generate-corners.sh): each sample record holds both members' counts, and perf script prints
/// one sample per member with the growth of its count as its period. stackfold reads it the same way.
@Suite struct GroupReadTests {
    static let name = "go1.25-group.data"

    static func capture() throws -> PerfFile {
        try PerfFile(file: try openInput(SkippedRecordTests.path(name + ".zst")))
    }

    static func fold(_ event: String?) throws -> (folded: String, warnings: [String]) {
        try foldWithGo125Binaries(try capture()) {
            $0.recordedStacks = true
            $0.eventFilter = event
        }
    }

    /// perf script's text with kernel frames unnamed: perf named them from this machine's kallsyms, which
    /// tests do not read.
    static func perfText() throws -> String { unnamedKernel(try SkippedRecordTests.perfText(name + ".script.txt")) }

    /// perf script text with every kernel frame as `[unknown] ([kernel.kallsyms])`.
    static func unnamedKernel(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("\t"), line.hasSuffix(" ([kernel.kallsyms])") else { return String(line) }
            let lead = line.prefix { $0 == "\t" || $0 == " " }
            let hex = line.dropFirst(lead.count).prefix { $0 != " " }
            return "\(lead)\(hex) [unknown] ([kernel.kallsyms])"
        }.joined(separator: "\n")
    }

    /// How many samples perf script prints of `event`.
    static func perfSamples(_ event: String) throws -> Int {
        try perfText().components(separatedBy: " \(event): \n").count - 1
    }

    /// `script --elf-names --no-inline --as-recorded` is perf script's text, byte for byte: one sample per
    /// member and record, each member with its own period.
    @Test func scriptIsPerfScript() throws {
        let perf = try Self.perfText()
        let n = try Self.perfSamples("cpu-clock")
        #expect(n > 10)
        #expect(try Self.perfSamples("task-clock") == n)
        let ours = try PerfScriptTests.script(Self.name, file: try Self.capture()) {
            $0.elfNames = true
            $0.inlines = false
            $0.recordedStacks = true
        }
        #expect(ours.text == perf)
        #expect(PerfFileSummary(try Self.capture()).samples == n)
    }

    /// Folded per event, the stacks and periods of perf script's samples of that event; without a filter,
    /// the leader, with a note naming both.
    @Test(arguments: ["cpu-clock", "task-clock"]) func foldPerEventIsPerfScripts(_ event: String) throws {
        var o = ScriptCollapseOptions()
        o.eventFilter = event
        var c = ScriptTextCollapser(options: o)
        let bytes = Array(try Self.perfText().utf8)
        try bytes.withUnsafeBytes { try c.feed($0) }
        c.finish()
        let perf = String(decoding: c.folded(), as: UTF8.self)
        #expect(!perf.isEmpty)
        #expect(try Self.fold(event).folded == perf)
        if event == "cpu-clock" {
            let r = try Self.fold(nil)
            #expect(r.folded == perf)
            let n = try Self.perfSamples("cpu-clock")
            #expect(
                r.warnings == [
                    "folded event cpu-clock, the first declared, of cpu-clock (\(n) samples), task-clock (\(n) samples); pass --event-filter NAME for another"
                ])
        }
    }
}
