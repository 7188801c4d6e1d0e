// Samples of a fold -> pprof samples: filters on names, labels, merging of equal (stack, labels).
import Align
import BinaryIO
import Collapse
import PerfData

struct SampleWriter {
    var collapser: PerfCollapser
    let perf: PerfFile
    let filter: FoldedFilter
    let window: ClosedRange<UInt64>?
    var tables = ProfileTables()
    var rows = SampleRows()
    var written = 0
    /// Per unique location stack (dense ids, so arrays): 0 not seen yet, 1 written, 2 filtered out;
    /// its pprof location ids, leaf first, and comm (its string id, 0 for none).
    private var stackState: [UInt8] = []
    private var stacks: [(ids: [UInt64], comm: Int64)] = []
    /// The event label, interned when the first sample needs it (string ids go in order first met).
    private var eventLabel: LabelRow?
    /// Per (collapser location, hidden lines): the pprof location id (0: every line hidden).
    private var locationIDs: [LocationKey: UInt64] = [:]
    /// Without --hide: per fold location, its pprof location id (.max: not made yet).
    private var plainIDs: [UInt64] = []
    /// Per root location, its comm's string id (-1: not interned yet).
    private var commIDs: [Int64] = []
    private var nameFlags: [UInt32: Flags] = [:]
    private var merged = SampleMerge()
    /// Region paths by the id `SampleKey.region` holds ("" is 0).
    private var regions: [String] = [""]
    private var regionIDs: [String: Int32] = ["": 0]
    private var firstTime = UInt64.max, lastTime: UInt64 = 0
    let event: String
    let eventDesc: EventDesc?
    let keys: LabelKeys
    /// The fold's, read once: its public getters take the whole collapser, which was copied for each
    /// call (a memcpy per sample).
    private let sampleStacks: [Int32]
    private let locations: [StackLocation]

    struct Flags { var focus = false, ignore = false, hide = false }
    struct LocationKey: Hashable { var location: UInt32, hidden: [Bool] }

    init(collapser: PerfCollapser, perf: PerfFile, filter: FoldedFilter, window: ClosedRange<UInt64>?) {
        self.collapser = collapser
        self.perf = perf
        self.filter = filter
        self.window = window
        // The event folded: the one asked for, else the first declared (chooseEvent sets the filter when
        // it folds another).
        let event = collapser.options.eventFilter ?? perf.events.first?.name ?? ""
        self.event = event
        eventDesc = perf.events.first { $0.name == event }
        keys = LabelKeys(&tables.strings)
        sampleStacks = collapser.sampleLocationStacks
        locations = collapser.locations
    }

    mutating func add(_ i: Int, trace: Attributions?) {
        let r = collapser.sampleRecords[i]
        if let window, !window.contains(r.time) { return }
        let ls = sampleStacks[i]
        guard resolve(ls) else { return }
        firstTime = min(firstTime, r.time)
        lastTime = max(lastTime, r.time)
        var key = SampleKey(stack: ls, pid: r.pid, tid: r.tid, cpu: collapser.recordsCPU ? r.cpu : 0)
        if let trace {
            let a = trace[i]
            key.gc = Int8(a.gc.ordinal)
            key.goroutine = a.goroutine
            if trace.inRegion(i) {
                key.region = regionID(a.regions.joined(separator: "/"))
                key.task = a.task ?? 0
            }
        }
        written += 1
        if merged.add(key, weight: Int64(bitPattern: r.weight)) {
            appendSample(key, trace: trace, index: i)
        }
    }

    private mutating func regionID(_ path: String) -> Int32 {
        if let id = regionIDs[path] { return id }
        let id = Int32(truncatingIfNeeded: regions.count)
        regions.append(path)
        regionIDs[path] = id
        return id
    }

    /// The row of `key`'s sample, without values (`finish` sets the merged ones).
    private mutating func appendSample(_ key: SampleKey, trace: Attributions?, index i: Int) {
        let stack = stacks[Int(key.stack)]
        rows.stackOf.append(key.stack)
        // Appended to a local (moved out and back, so never copied) while the string table changes.
        var labels = rows.labels
        rows.labels = []
        defer {
            rows.labels = labels
            rows.labelEnds.append(labels.count)
        }
        // pprof drops a string label whose value is "": absent rather than empty.
        labels.append(keys.num(.pid, Int64(key.pid)))
        labels.append(keys.num(.tid, Int64(key.tid)))
        if stack.comm != 0 { labels.append(LabelRow(key: keys.ids[LabelKeys.Key.comm.rawValue], str: stack.comm)) }
        if collapser.recordsCPU { labels.append(keys.num(.cpu, Int64(key.cpu))) }
        if !event.isEmpty {
            if eventLabel == nil { eventLabel = keys.str(.event, event, &tables.strings) }
            labels.append(eventLabel!)
        }
        if trace != nil, let gc = GCState.allCases.first(where: { $0.ordinal == Int(key.gc) }) {
            if key.goroutine >= 0 { labels.append(keys.num(.goroutine, key.goroutine)) }
            labels.append(keys.str(.gc, gc.rawValue, &tables.strings))
            if key.region != 0 { labels.append(keys.str(.region, regions[Int(key.region)], &tables.strings)) }
            if key.task != 0, let trace {
                let type = trace[i].taskType
                if !type.isEmpty { labels.append(keys.str(.task, type, &tables.strings)) }
                labels.append(keys.num(.taskID, Int64(bitPattern: key.task)))
            }
        }
    }

    /// Makes the pprof locations of unique location stack `ls` (leaf first) and its comm, once; false
    /// when the name filters drop it.
    private mutating func resolve(_ ls: Int32) -> Bool {
        let k = Int(ls)
        if k < stackState.count, stackState[k] != 0 { return stackState[k] == 1 }
        if k >= stackState.count {
            stackState += repeatElement(0, count: k + 1 - stackState.count)
            stacks += repeatElement((ids: [UInt64](), comm: 0), count: k + 1 - stacks.count)
        }
        let ids = collapser.locationStack(ls)
        let all = locations
        var hiddenPerLocation: [[Bool]] = []
        if !filter.isEmpty {
            var focused = filter.focus.isEmpty, ignored = false
            for id in ids {
                var hidden: [Bool] = []
                for n in all[Int(id)].names {
                    let f = flags(n)
                    if f.focus { focused = true }
                    if f.ignore { ignored = true }
                    hidden.append(f.hide)
                }
                hiddenPerLocation.append(hidden)
            }
            guard focused, !ignored else {
                stackState[k] = 2
                return false
            }
        }
        var out: [UInt64] = []
        out.reserveCapacity(ids.count)
        var root = -1
        for j in ids.indices.reversed() {
            let lid = ids[j], l = Int(lid)
            if all[l].kind == .root {
                root = l
                continue
            }
            let id: UInt64
            if filter.hide.isEmpty {
                // No line hidden: one pprof location per fold location, in a dense table.
                if l >= plainIDs.count { plainIDs += repeatElement(.max, count: l + 1 - plainIDs.count) }
                if plainIDs[l] == .max { plainIDs[l] = tables.location(all[l], lines: collapser.lines(of: all[l])) }
                id = plainIDs[l]
            } else {
                let key = LocationKey(location: lid, hidden: hiddenPerLocation[j - ids.startIndex])
                if let known = locationIDs[key] {
                    id = known
                } else {
                    // Lines innermost first; `hidden` is root first, as the names.
                    let lines = collapser.lines(of: all[l])
                    let kept = lines.enumerated().filter { !key.hidden[key.hidden.count - 1 - $0.offset] }.map(\.element)
                    id = kept.isEmpty ? 0 : tables.location(all[l], lines: kept)
                    locationIDs[key] = id
                }
            }
            if id != 0 { out.append(id) }
        }
        // A stack whose every frame is hidden is dropped, as collapse drops an emptied line.
        if out.isEmpty && !filter.hide.isEmpty {
            stackState[k] = 2
            return false
        }
        stackState[k] = 1
        // Interned here, as the stack's first sample would (its labels come right after).
        stacks[k] = (out, root < 0 ? 0 : commID(root))
        return true
    }

    /// The string id of root location `l`'s comm (0 for none), interned when a stack first needs it.
    private mutating func commID(_ l: Int) -> Int64 {
        if l < commIDs.count, commIDs[l] >= 0 { return commIDs[l] }
        let comm = locations[l].text ?? locations[l].names.first.map { collapser.name($0) } ?? ""
        let id = comm.isEmpty ? 0 : tables.strings.id(comm)
        if l >= commIDs.count { commIDs += repeatElement(-1, count: l + 1 - commIDs.count) }
        commIDs[l] = id
        return id
    }

    private mutating func flags(_ id: UInt32) -> Flags {
        if let f = nameFlags[id] { return f }
        let s = collapser.name(id)
        let f = Flags(focus: filter.focus.contains { s.contains($0) }, ignore: filter.ignore.contains { s.contains($0) },
                      hide: filter.hide.contains { s.contains($0) })
        nameFlags[id] = f
        return f
    }

    /// The profile; `foldWarnings`: start the warnings with the fold's (false when the caller has
    /// reported them, as `GoTraceInputOptions.load` does).
    mutating func finish(foldWarnings: Bool) -> PprofResult {
        var p = Perftools_Profiles_Profile()
        var warnings = foldWarnings ? collapser.warnings : []
        let (types, period) = sampleTypes(&warnings)
        p.sampleType = types
        if types.count > 1 {
            p.periodType = types[1]
            p.period = period
        }
        rows.valueCount = types.count > 1 ? 2 : 1
        rows.counts = merged.counts
        rows.weights = merged.weights
        rows.stacks = stacks.map(\.ids)
        let (start, end) = timeSpan()
        if let start, let end { p.durationNanos = Int64(bitPattern: end &- start) }
        if let start, let cd = perf.features.clockData {
            // CLOCK_DATA pairs the sampling clock with the wall clock at one instant.
            p.timeNanos = Int64(bitPattern: cd.todNs) &+ (Int64(bitPattern: start) &- Int64(bitPattern: cd.clockNs))
        }
        p.mapping = tables.finishMappings(rows)
        p.location = tables.locations
        p.function = tables.functions
        p.stringTable = tables.strings.strings
        return PprofResult(base: p, rows: rows, warnings: warnings, samples: written)
    }

    /// `[samples/count, cpu/nanoseconds]` for cpu-clock and task-clock (their period is time), else
    /// `[samples/count, EVENT/count]`; and the period asked for, where the capture records it.
    private mutating func sampleTypes(_ warnings: inout [String]) -> ([Perftools_Profiles_ValueType], Int64) {
        func vt(_ t: String, _ u: String) -> Perftools_Profiles_ValueType {
            var v = Perftools_Profiles_ValueType()
            v.type = tables.strings.id(t)
            v.unit = tables.strings.id(u)
            return v
        }
        let samplesType = vt("samples", "count")
        guard let attr = eventDesc?.attr else { return ([samplesType], 0) }
        // PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK or PERF_COUNT_SW_TASK_CLOCK: periods in ns.
        let timeBased = attr.type == 1 && (attr.config == 0 || attr.config == 1)
        guard attr.sampleType.contains(.period) || !attr.freq else {
            warnings.append("event \(event) records no period per sample (sampled by frequency without PERF_SAMPLE_PERIOD): the profile has sample counts only")
            return ([samplesType], 0)
        }
        let second = timeBased ? vt("cpu", "nanoseconds") : vt(event, "count")
        var period: Int64 = 0
        if !attr.freq {
            period = Int64(bitPattern: attr.samplePeriodOrFreq)
        } else if timeBased, attr.samplePeriodOrFreq > 0 {
            period = 1_000_000_000 / Int64(clamping: attr.samplePeriodOrFreq)
        }
        return ([samplesType, second], period)
    }

    /// The time the profile covers: the capture's first and last sample (its SAMPLE_TIME feature, else
    /// the samples read), within the window.
    private func timeSpan() -> (UInt64?, UInt64?) {
        var first = perf.features.sampleTime?.first ?? firstTime
        var last = perf.features.sampleTime?.last ?? lastTime
        if let window {
            first = max(first, window.lowerBound)
            last = min(last, window.upperBound)
        }
        guard first != .max, first <= last else { return (nil, nil) }
        return (first, last)
    }
}

/// Label keys, interned once.
struct LabelKeys {
    enum Key: Int, CaseIterable { case pid, tid, comm, cpu, event, goroutine, gc, region, task, taskID }
    static let names: [Key: String] = [.pid: "pid", .tid: "tid", .comm: "comm", .cpu: "cpu", .event: "event", .goroutine: "goroutine",
                                       .gc: "gc", .region: "region", .task: "task", .taskID: "task_id"]
    var ids: [Int64] = []

    init(_ strings: inout StringTable) {
        ids = Key.allCases.map { strings.id(Self.names[$0]!) }
    }

    func str(_ k: Key, _ v: String, _ strings: inout StringTable) -> LabelRow {
        LabelRow(key: ids[k.rawValue], str: strings.id(v))
    }

    /// A numeric label with its key as unit: pprof assumes that unit anyway, and a 0 (pid 0, cpu 0)
    /// without a unit is dropped when pprof reads it.
    func num(_ k: Key, _ v: Int64) -> LabelRow {
        LabelRow(key: ids[k.rawValue], num: v, numUnit: ids[k.rawValue])
    }
}
