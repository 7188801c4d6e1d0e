// perf.data (and, optionally, the Go trace of the same run) -> pprof's profile.proto, with the stacks
// `collapse` folds (the same fold: repaired or unwound by findStack, `--as-recorded` honoured), the
// addresses and mappings they came from, inlined frames as runtime/pprof writes them, and per-sample
// labels. See docs/pprof.md for what is written and why.
import Align
import BinaryIO
import Collapse
import PerfData

/// A written profile and what the reader should know about it.
public struct PprofResult {
    /// The profile without its samples (`profile` has them).
    var base: Perftools_Profiles_Profile
    var rows: SampleRows
    public var warnings: [String]
    /// Samples written (before pprof's merge of equal stacks and labels).
    public var samples: Int

    /// The whole profile as swift-protobuf messages.
    public var profile: Perftools_Profiles_Profile {
        var p = base
        p.sample = rows.messages()
        return p
    }

    /// The profile's protobuf encoding: the bytes swift-protobuf writes for `profile`, fields in number
    /// order, with the samples (field 2) encoded by `SampleRows`, the locations and functions (4, 5) by
    /// `TableRows`, and the rest by swift-protobuf.
    public func serialized() throws(CompressError) -> [UInt8] {
        let tooLarge = CompressError(description: "the profile is too large to encode (protobuf's 2 GiB limit): narrow it with --time or --only-*")
        var head = Perftools_Profiles_Profile()
        head.sampleType = base.sampleType
        var mappings = Perftools_Profiles_Profile()
        mappings.mapping = base.mapping
        var tail = base
        tail.sampleType = []
        tail.mapping = []
        tail.location = []
        tail.function = []
        var out: [UInt8]
        do {
            out = try head.serializedBytes()
            rows.encode(into: &out)
            // swift-protobuf refuses messages of 2 GiB or more (as `missingRequiredFields`).
            guard out.count < Int(Int32.max) else { throw tooLarge }
            out += try mappings.serializedBytes() as [UInt8]
            TableRows.encode(locations: base.location, into: &out)
            TableRows.encode(functions: base.function, into: &out)
            guard out.count < Int(Int32.max) else { throw tooLarge }
            out += try tail.serializedBytes() as [UInt8]
        } catch { throw tooLarge }
        guard out.count < Int(Int32.max) else { throw tooLarge }
        return out
    }

    /// The profile as `go tool pprof` reads it: gzip-compressed protobuf.
    public func gzipped() throws(CompressError) -> [UInt8] {
        try gzip(serialized())
    }
}

public enum PprofWriter {
    /// The fold options a pprof needs: every sample kept with its locations, weights by period (the
    /// profile has both counts and periods), no annotation or pid in names (pid, tid, comm are labels).
    public static func collapseOptions(_ options: PerfCollapseOptions) -> PerfCollapseOptions {
        var o = options
        o.recordSamples = true
        o.recordLocations = true
        o.weightByPeriod = true
        o.includePID = false
        o.includeTID = false
        o.annotateKernel = false
        o.includeAddresses = false
        return o
    }

    /// The profile of a perf.data capture (filters of `options` applied by the fold; `filter` on names).
    public static func profile(perf: PerfFile, options: PerfCollapseOptions,
                               filter: FoldedFilter = FoldedFilter()) throws(PerfDataError) -> PprofResult {
        var c = PerfCollapser(options: collapseOptions(options))
        try c.collapse(perf)
        var w = SampleWriter(collapser: c, perf: perf, filter: filter, window: options.timeRange)
        for i in c.sampleRecords.indices { w.add(i, trace: nil) }
        return w.finish(foldWarnings: true)
    }

    /// The profile of a capture aligned with its Go trace: goroutine, GC state, task and region labels.
    /// Its warnings are the writer's only: the fold's are `aligned.collapser.warnings`.
    /// `aligned` must have been folded with `collapseOptions` and no time window (its attributions then
    /// match the fold's samples one to one); `window` selects samples here.
    public static func profile(aligned: AlignedCapture, perf: PerfFile, window: ClosedRange<UInt64>?,
                               filter: FoldedFilter = FoldedFilter()) -> PprofResult {
        let c = aligned.collapser
        var w = SampleWriter(collapser: c, perf: perf, filter: filter, window: window)
        let all = aligned.attributions
        precondition(all.count == c.sampleRecords.count && c.sampleLocationStacks.count == all.count,
                     "aligned capture folded without collapseOptions, or with a time window")
        for i in all.indices { w.add(i, trace: all) }
        return w.finish(foldWarnings: false)
    }
}
