// A perf capture folded, aligned with its Go trace and attributed: the entry point of the commands.
import BinaryIO
import Collapse
import GoTrace
import PerfData

/// A perf capture folded with its samples kept, aligned with a Go trace and attributed.
public struct AlignedCapture {
    public var collapser: PerfCollapser
    public var trace: TraceIndex
    public var alignment: ClockAlignment
    public var attributions: Attributions
    /// How many samples the trace's thread attributed while the capture was still being folded.
    public private(set) var samplesAttributedWhileFolding = 0

    /// Folds `perf` (symbolized with `options`), reads the trace, aligns the clocks and attributes
    /// every sample.
    public init(perf: PerfFile, options: PerfCollapseOptions, trace: GoTrace, clockOffset: Int64? = nil,
                shiftSamples: Int64 = 0) throws(PerfDataError) {
        var c = PerfCollapser(options: Self.collapseOptions(options))
        try c.collapse(perf)
        try self.init(
            collapsed: c, perf: perf, options: options, trace: trace, clockOffset: clockOffset,
            shiftSamples: shiftSamples)
    }

    /// Captures of at least this many samples are aligned and attributed on two threads, each half of
    /// the samples on one (tests lower it to check that both ways give the same).
    nonisolated(unsafe) static var parallelMinimum = 50_000

    /// The options of a second fold whose frame names the goroutine roots are matched by, or nil when the
    /// fold asked for already names frames so. Names changed for the output (`--srcline`, `_[i]`/`_[k]`,
    /// addresses, raw or ELF names) would match no goroutine's start function, and every sample would look
    /// untraced. Go 1.21 names a goroutine made by `go f(x)` after the compiler's wrapper
    /// (main.main.func4), which Go-style frames hide: its roots are read from stacks that keep wrappers.
    static func rootNaming(_ o: PerfCollapseOptions, keepWrappers: Bool) -> PerfCollapseOptions? {
        guard keepWrappers || o.srcline || o.annotateInline || o.annotateKernel || o.includeAddresses || o.rawNames
            || o.elfNames || !o.demangle
        else { return nil }
        var r = o
        (r.srcline, r.annotateInline, r.annotateKernel, r.includeAddresses) = (false, false, false, false)
        (r.rawNames, r.elfNames, r.demangle) = (false, false, true)
        if keepWrappers { r.keepWrappers = true }
        return r
    }

    /// The options a capture is folded with for alignment: samples kept, no time window (a window selects
    /// samples after alignment, and the estimate needs every sample).
    public static func collapseOptions(_ options: PerfCollapseOptions) -> PerfCollapseOptions {
        var o = options
        o.recordSamples = true
        o.timeRange = nil
        return o
    }

    /// As `init(perf:options:trace:…)`, with `perf` already folded by a collapser made with
    /// `collapseOptions(options)` (so that the trace can be read meanwhile).
    public init(
        collapsed c: PerfCollapser, perf: PerfFile, options: PerfCollapseOptions, trace: GoTrace,
        clockOffset: Int64? = nil,
        shiftSamples: Int64 = 0
    ) throws(PerfDataError) {
        var timer = PhaseTimer()
        let index = TraceIndex(trace)
        timer.lap("trace index")
        try self.init(
            collapsed: c, perf: perf, options: options, index: index, clockOffset: clockOffset,
            shiftSamples: shiftSamples)
    }

    /// As `init(collapsed:perf:options:trace:…)`, with the trace already indexed (`TraceIndex` needs
    /// only the trace: it can be built on the thread that read it, while the capture is folded).
    public init(
        collapsed c: PerfCollapser, perf: PerfFile, options: PerfCollapseOptions, index: TraceIndex,
        clockOffset: Int64? = nil,
        shiftSamples: Int64 = 0
    ) throws(PerfDataError) {
        try self.init(
            collapsed: c, perf: perf, options: options, index: index, clockOffset: clockOffset,
            shiftSamples: shiftSamples, pipeline: nil)
    }

    /// As above; `pipeline`, the one `c` was folded with (see `load`), holds the samples its trace
    /// thread attributed during the fold.
    init(
        collapsed c: PerfCollapser, perf: PerfFile, options: PerfCollapseOptions, index: TraceIndex,
        clockOffset: Int64?,
        shiftSamples: Int64, pipeline: AttributionPipeline?
    ) throws(PerfDataError) {
        let o = Self.collapseOptions(options)
        let window = options.timeRange
        let trace = index.trace
        collapser = c
        var timer = PhaseTimer()
        self.trace = index
        var records = c.sampleRecords
        if shiftSamples != 0 {
            // Test hook: move every sample in time, as if perf's clock were offset from the trace's.
            for i in records.indices {
                records[i].time = UInt64(bitPattern: Int64(bitPattern: records[i].time) &+ shiftSamples)
            }
        }
        // A stack's facts (goroutine root, GC and scheduler frames), once per unique stack (ids are
        // dense), read per sample through its stack.
        var facts: [AlignSample]
        let rootOptions = Self.rootNaming(o, keepWrappers: trace.v1Clock != nil)
        if clockOffset == nil, window == nil, rootOptions == nil, sharesClock(perf: perf, trace: index) {
            // The usual case (perf -k mono, Go ≥ 1.22): samples are read from their records and their
            // stacks' facts as they are needed, not copied; those the pipeline did are not done again.
            var work = (shiftSamples == 0 ? pipeline?.takeWork() : nil) ?? SameClockWork()
            samplesAttributedWhileFolding = work.placements.count
            work.addFacts(c.stackTables, index: index)
            records.withUnsafeBufferPointer { work.add($0, index: index, parallel: true) }
            timer.lap("samples attributed (the rest, at the same clock)")
            if let same = sameClock((work.good, work.compared)) {
                alignment = same
                attributions = Attributions(
                    samples: records, placements: work.placements, alignment: same, index: TraceIndexRef(index),
                    stateWeights: work.weights)
                return
            }
            facts = work.facts
        } else {
            facts = []
        }
        var rootCollapser = c
        if let ro = rootOptions {
            var cw = PerfCollapser(options: ro)
            try cw.collapse(perf)
            if cw.sampleRecords.count == records.count { rootCollapser = cw }
        }
        if facts.isEmpty {
            var work = SameClockWork()
            work.addFacts(rootCollapser.stackTables, index: index)
            facts = work.facts
            timer.lap("samples' goroutine roots")
        }
        var alignSamples = rootCollapser.sampleRecords.withUnsafeBufferPointer { roots in
            records.withUnsafeBufferPointer { records in
                facts.withUnsafeBufferPointer { facts in
                    [AlignSample](unsafeUninitializedCapacity: records.count) { out, count in
                        for i in 0..<records.count {
                            var a = facts[Int(roots[i].stack)]
                            a.time = records[i].time
                            a.tid = records[i].tid
                            (out.baseAddress! + i).initialize(to: a)
                        }
                        count = records.count
                    }
                }
            }
        }
        alignment = alignClocks(perf: perf, trace: index, samples: alignSamples, override: clockOffset)
        timer.lap("clock alignment")
        // Go 1.21: runs are looked up by perf thread, through the M ids' mapping.
        if !alignment.threadOfM.isEmpty { self.trace = TraceIndex(index, threadOfM: alignment.threadOfM) }
        if let window {
            alignSamples.removeAll { !window.contains($0.time) }
            records.removeAll { !window.contains($0.time) }
        }
        attributions = attribute(records, trace: self.trace, alignment: alignment, alignSamples: alignSamples)
        timer.lap("attribution")
    }

    /// Sample `r` as alignment sees it: its stack's facts, its time and thread.
    @inline(__always) static func sample(_ r: FoldedSample, _ facts: UnsafeBufferPointer<AlignSample>) -> AlignSample {
        var a = facts[Int(r.stack)]
        a.time = r.time
        a.tid = r.tid
        return a
    }

    public func stackNames(_ a: Attribution) -> [String] { collapser.stackNames(a.sample.stack) }

    /// Folded stacks under a root frame per GC state (`[gc:assist];…`), sorted by bytes; `only` keeps
    /// one state.
    public func foldedByState(only: GCState? = nil) -> [UInt8] {
        // Counted per (unique stack, state) in a flat table first; text is built once per pair.
        let states = GCState.allCases
        let n = states.count
        let onlyOrdinal = only?.ordinal ?? -1
        let counts = attributions.stateWeights ?? attributions.samples.withUnsafeBufferPointer { samples in
            attributions.placements.withUnsafeBufferPointer { placements in
                var stacks = 0
                for s in samples { stacks = max(stacks, Int(s.stack) + 1) }
                var counts = [UInt64](repeating: 0, count: stacks * n)
                counts.withUnsafeMutableBufferPointer {
                    addStateWeights(samples, placements, samples.indices, into: $0)
                }
                return counts
            }
        }
        var entries: [(prefix: Int, stack: Int32, weight: UInt64)] = []
        for (k, w) in counts.enumerated() where w != 0 && (onlyOrdinal < 0 || k % n == onlyOrdinal) {
            entries.append((k % n, Int32(k / n), w))
        }
        return collapser.folded(entries, roots: states.map { "[gc:\($0.rawValue)]" })
    }
}
