@testable import Align
@testable import Collapse
import Foundation
import GoTrace
import PerfData
import Testing

/// Samples placed on the Go trace of the same run. The trace says which goroutine ran where and when
/// GC did what; the perf stacks say what the CPU ran. They must agree.
@Suite struct AttributionTests {
    static func capture(_ name: String, trace traceName: String? = nil, shift: Int64 = 0, offset: Int64? = nil) throws
        -> AlignedCapture
    {
        let (perf, o, trace) = try inputs(name, trace: traceName)
        return try AlignedCapture(perf: perf, options: o, trace: trace, clockOffset: offset, shiftSamples: shift)
    }

    static func inputs(_ name: String, trace traceName: String? = nil) throws -> (
        PerfFile, PerfCollapseOptions, GoTrace
    ) {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.useRunningKernel = false
        // Each Go version's folder alone: captures without build-ids are matched by file name.
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/\(name.prefix(6))").path]
        let perf = try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/\(name).data").path)
        let bytes = try Data(contentsOf: Paths.fixtures.appendingPathComponent("gotrace/\(traceName ?? name).trace"))
        let trace = try bytes.withUnsafeBytes { try GoTrace(bytes: $0) }
        return (perf, o, trace)
    }

    static func share(_ c: AlignedCapture, frame: String, state: GCState) -> (hit: Int, of: Int) {
        var hit = 0, of = 0
        for a in c.attributions where c.stackNames(a).contains(frame) {
            of += 1
            if a.gc == state { hit += 1 }
        }
        return (hit, of)
    }

    @Test(
        arguments: ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"].flatMap {
            ["go\($0)-fp-mono", "go\($0)-fp-default-clock"]
        }
            + ["go1.21-alloc-mono", "go1.21-alloc-default-clock", "go1.27-alloc-mono", "go1.27-alloc-default-clock"])
    func gcWorkIsAttributedToItsGCState(_ name: String) throws {
        let c = try Self.capture(name)
        if name.hasPrefix("go1.21-") {
            // cputicks clock and runtime M ids: both fitted, whatever perf's clock.
            #expect(c.alignment.method == .fittedV1, "\(c.alignment)")
            #expect(!c.alignment.threadOfM.isEmpty)
        } else if name.hasSuffix("mono") {
            #expect(c.alignment.method == .sameClock, "\(c.alignment)")
        } else {
            #expect(c.alignment.method != .sameClock)
            // perf's default clock runs within a few ms of CLOCK_MONOTONIC here.
            #expect(abs(c.alignment.offset) < 50_000_000, "\(c.alignment)")
        }
        #expect(c.alignment.agreement > 0.95, "\(c.alignment)")
        let worker = Self.share(c, frame: "runtime.gcBgMarkWorker", state: .markWorker)
        let assist = Self.share(c, frame: "runtime.gcAssistAlloc", state: .assist)
        // The Go 1.21 -k mono run's mark workers ran 9 ms in all (fractional only): no sample landed in one.
        if name == "go1.21-fp-mono" {
            #expect(worker.of + assist.of > 0, "\(name): worker \(worker), assist \(assist)")
        } else if name.contains("-alloc-") {
            // The GC-heavy runs (generate-gc.sh), recorded so that the 99 % bars below rest on enough samples.
            #expect(worker.of >= 50 && assist.of >= 50, "\(name): worker \(worker), assist \(assist)")
        } else {
            #expect(worker.of > 0 && assist.of > 0, "\(name): worker \(worker), assist \(assist)")
        }
        print("\(name): mark-worker \(worker.hit)/\(worker.of), assist \(assist.hit)/\(assist.of); \(c.alignment)")
        for a in c.attributions where c.stackNames(a).contains("runtime.gcBgMarkWorker") && a.gc != .markWorker {
            print(
                "\(name): worker sample at \(a.traceTime) tid \(a.sample.tid) g \(a.goroutine) label \(a.label) -> \(a.gc)"
            )
        }
        #expect(
            Double(worker.hit) >= 0.99 * Double(worker.of),
            "\(name): mark-worker \(worker.hit)/\(worker.of) (\(c.alignment))")
        #expect(
            Double(assist.hit) >= 0.99 * Double(assist.of),
            "\(name): assist \(assist.hit)/\(assist.of) (\(c.alignment))")
        // Every sample of a traced thread has a goroutine or is outside any run; states cover all samples.
        #expect(c.attributions.count == c.collapser.sampleRecords.count)
    }

    /// Shift a -k mono capture's sample times by a known amount: the estimator finds it back.
    @Test(arguments: [1_234_567 as Int64, -3_456_789])
    func estimatorRecoversAKnownOffset(_ shift: Int64) throws {
        let c = try Self.capture("go1.25-fp-mono", shift: shift)
        #expect(c.alignment.method != .sameClock)
        #expect(abs(c.alignment.offset + shift) <= 20_000, "\(c.alignment), expected \(-shift)")
    }

    /// Go 1.21: shifting every sample by a known amount moves the fitted offset by exactly that much
    /// (within 20 µs), with the same threads; M0, the main thread, is the thread whose id is the pid.
    @Test(arguments: [1_234_567 as Int64, -3_456_789])
    func v1FitRecoversAKnownShiftAndTheMainThread(_ shift: Int64) throws {
        let base = try Self.capture("go1.21-fp-default-clock")
        let moved = try Self.capture("go1.21-fp-default-clock", shift: shift)
        #expect(
            abs(moved.alignment.offset - (base.alignment.offset - shift)) <= 20_000,
            "\(moved.alignment), base \(base.alignment)")
        #expect(moved.alignment.threadOfM == base.alignment.threadOfM)
        let pid = try #require(base.collapser.sampleRecords.first?.pid)
        #expect(base.alignment.threadOfM[0] == Int64(pid))
        // Each mapped thread agrees with its M far better than with any other M.
        for (m, e) in base.alignment.mappingEvidence where e.of >= 10 {
            #expect(Double(e.agree) >= 0.95 * Double(e.of) && e.runnerUp < e.agree / 2, "M\(m): \(e)")
        }
    }

    /// The tasks program runs each kind of work in a region named after the function doing it, so a
    /// sample's stack says which regions its goroutine must be in (Fixtures/tasks/main.go).
    @Test func samplesGetTheirGoroutinesRegionsAndTask() throws {
        let c = try Self.capture("go1.25-tasks-mono", trace: "go1.25-tasks")
        #expect(c.alignment.method == .sameClock)
        #expect(!c.trace.trace.regions.isEmpty && !c.trace.trace.tasks.isEmpty)
        let expected: [(String, [String])] = [
            ("main.checksum", ["compute", "checksum"]), ("main.decode", ["decode"]), ("main.encode", ["encode"]),
        ]
        for (function, regions) in expected {
            var hit = 0, of = 0
            for a in c.attributions where c.stackNames(a).contains(function) {
                of += 1
                if a.regions == regions, let task = a.task, ["request", "audit"].contains(a.taskType),
                   c.trace.trace.tasks[task]?.g == a.goroutine {
                    hit += 1
                } else if of - hit <= 3 {
                    print(
                        "\(function): sample at \(a.traceTime) g \(a.goroutine) regions \(a.regions) task \(String(describing: a.task)) \(a.taskType)"
                    )
                }
            }
            #expect(of >= 10 && Double(hit) >= 0.99 * Double(of), "\(function): \(hit)/\(of) in \(regions)")
        }
        // main.compute runs in "compute" of a request, or of an audit child task of one.
        var audit = 0
        for a in c.attributions where c.stackNames(a).last == "main.compute" {
            #expect(a.regions == ["compute"])
            if a.taskType == "audit", let t = a.task {
                audit += 1
                #expect(c.trace.trace.tasks[c.trace.trace.tasks[t]!.parent]?.type == "request")
            }
        }
        // Work outside any handler has no region.
        for a in c.attributions where c.stackNames(a).contains("runtime.gcBgMarkWorker") {
            #expect(a.regions.isEmpty && a.task == nil)
        }
        print("audit-task samples: \(audit)")
    }

    /// Big captures are aligned and attributed on two threads, each from the middle of the samples
    /// with its lookups started afresh: that gives exactly what one pass gives.
    @Test(arguments: ["go1.27-alloc-mono", "go1.25-tasks-mono"])
    func twoThreadsGiveWhatOneGives(_ name: String) throws {
        let trace = name == "go1.25-tasks-mono" ? "go1.25-tasks" : name
        let saved = AlignedCapture.parallelMinimum
        defer { AlignedCapture.parallelMinimum = saved }
        AlignedCapture.parallelMinimum = .max
        let one = try Self.capture(name, trace: trace)
        AlignedCapture.parallelMinimum = 2
        let two = try Self.capture(name, trace: trace)
        #expect(one.alignment.method == .sameClock)
        #expect(one.alignment.description == two.alignment.description)
        #expect(one.attributions.count == two.attributions.count && one.attributions.count > 100)
        var differ = 0
        for (a, b) in zip(one.attributions, two.attributions)
        where a.goroutine != b.goroutine || a.gc != b.gc || a.label != b.label || a.regions != b.regions
            || a.task != b.task
        {
            differ += 1
        }
        #expect(differ == 0)
        #expect(one.foldedByState() == two.foldedByState())
    }

    /// `load` reads the trace on a second thread, which then attributes the samples folded so far while
    /// the rest is folded: that gives exactly what attributing after the fold gives. One test, its
    /// captures in turn: it sets the pipeline's statics.
    @Test func attributingWhileFoldingGivesWhatAttributingAfterGives() throws {
        let saved = (
            AttributionPipeline.interval, AttributionPipeline.offerWaitsForTrace, PerfCollapser.bytesPerRecordedSample
        )
        defer {
            (
                AttributionPipeline.interval, AttributionPipeline.offerWaitsForTrace,
                PerfCollapser.bytesPerRecordedSample
            ) = saved
        }
        AttributionPipeline.interval = 64
        AttributionPipeline.offerWaitsForTrace = true
        // The last: records reserved for none, as for a compressed capture. The array then moves as it
        // grows, each time after the trace's thread is done with the samples it was given.
        for (name, traceName, growing) in [
            ("go1.27-alloc-mono", "go1.27-alloc-mono", false), ("go1.25-tasks-mono", "go1.25-tasks", false),
            ("go1.27-alloc-default-clock", "go1.27-alloc-default-clock", false),
            ("go1.27-alloc-mono", "go1.27-alloc-mono", true)
        ] {
            PerfCollapser.bytesPerRecordedSample = growing ? .max : saved.2
            let after = try Self.capture(name, trace: traceName)
            let (perf, o, trace) = try Self.inputs(name, trace: traceName)
            let index = TraceIndex(trace)
            let during = try AlignedCapture.load(perf: perf, options: o) { () -> Result<TraceIndex, Never> in
                .success(index)
            }
            if name.hasSuffix("-mono") {
                // Offers come every 64 samples and the first waits for the trace: most samples are done
                // during the fold.
                #expect(during.samplesAttributedWhileFolding > during.attributions.count / 2, "\(name)")
                #expect(during.alignment.method == .sameClock)
            } else {
                // perf's default clock: nothing can be attributed before the offset is estimated.
                #expect(during.samplesAttributedWhileFolding == 0, "\(name)")
            }
            #expect(after.alignment.description == during.alignment.description, "\(name)")
            #expect(after.attributions.count == during.attributions.count && after.attributions.count > 100)
            var differ = 0
            for (a, b) in zip(after.attributions, during.attributions)
            where a.sample.time != b.sample.time || a.goroutine != b.goroutine || a.gc != b.gc || a.label != b.label
                || a.regions != b.regions
                || a.task != b.task
            {
                differ += 1
            }
            #expect(differ == 0, "\(name)")
            #expect(after.foldedByState() == during.foldedByState(), "\(name)")
            #expect(after.foldedByState(only: .assist) == during.foldedByState(only: .assist), "\(name)")
        }
    }

    /// perf killed mid-write: the samples before the cut are attributed as in the whole capture, and the
    /// fold says the capture was truncated (the commands print its warnings).
    @Test func truncatedCaptureKeepsItsSamplesAndWarns() throws {
        let name = "go1.27-alloc-mono"
        let (perf, o, trace) = try Self.inputs(name)
        let index = TraceIndex(trace)
        let whole = try AlignedCapture.load(perf: perf, options: o) { () -> Result<TraceIndex, Never> in .success(index)
        }
        let bytes = try Data(contentsOf: Paths.fixtures.appendingPathComponent("perf/\(name).data"))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-truncated-\(getpid()).data")
        defer { try? FileManager.default.removeItem(at: cut) }
        try bytes.prefix(bytes.count * 2 / 3).write(to: cut)
        let part = try AlignedCapture.load(perf: try PerfFile(path: cut.path), options: o) {
            () -> Result<TraceIndex, Never> in .success(index)
        }
        #expect(part.collapser.warnings.contains { $0.contains("truncated") }, "\(part.collapser.warnings)")
        #expect(
            part.attributions.count > whole.attributions.count / 3 && part.attributions.count < whole.attributions.count
        )
        // The last round before the cut is ordered without the samples after it: samples are matched by
        // time and thread, not by position.
        var byKey: [String: Attribution] = [:]
        for b in whole.attributions { byKey["\(b.sample.time)/\(b.sample.tid)"] = b }
        var differ = 0, firstDiffer = -1
        for (i, a) in part.attributions.enumerated() {
            guard let b = byKey["\(a.sample.time)/\(a.sample.tid)"], a.goroutine == b.goroutine, a.gc == b.gc,
                  part.stackNames(a) == whole.stackNames(b) else {
                differ += 1
                if firstDiffer < 0 { firstDiffer = i }
                continue
            }
        }
        #expect(differ == 0, "first at \(firstDiffer) of \(part.attributions.count)")
    }

    /// The folded view by GC state holds every sample once, under its state's root frame, with its stack:
    /// rebuilt here line by line from the attributions.
    @Test(arguments: ["go1.27-alloc-mono", "go1.21-alloc-mono"])
    func foldedByStateHoldsEverySampleUnderItsState(_ name: String) throws {
        let c = try Self.capture(name)
        var expected: [String: UInt64] = [:]
        for a in c.attributions {
            expected["[gc:\(a.gc.rawValue)];" + c.stackNames(a).joined(separator: ";"), default: 0] += a.sample.weight
        }
        let lines = expected.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map {
            "\($0.key) \($0.value)\n"
        }
        #expect(String(decoding: c.foldedByState(), as: UTF8.self) == lines.joined())
        // One state only: exactly that state's lines.
        let assist = String(decoding: c.foldedByState(only: .assist), as: UTF8.self)
        #expect(!assist.isEmpty)
        #expect(assist == lines.filter { $0.hasPrefix("[gc:assist];") }.joined())
        // Each state's share, from the attributions, is what the lines add up to.
        for s in GCState.allCases {
            let n = c.attributions.filter { $0.gc == s }.reduce(0) { $0 + $1.sample.weight }
            let folded = String(decoding: c.foldedByState(only: s), as: UTF8.self).split(separator: "\n")
                .reduce(UInt64(0)) { $0 + UInt64($1.split(separator: " ").last!)! }
            #expect(folded == n, "\(s)")
        }
    }
}
