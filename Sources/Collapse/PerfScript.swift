import BinaryIO
import PerfData
import Symbolize

/// One frame of a sample as `stackfold script` shows it: a line of perf script's callchain, or an entry
/// of the JSON `stack`. A callchain address holding inlined code gives several, innermost first.
public struct ScriptFrame: Sendable, Equatable {
    /// Nil when nothing names the address (perf's `[unknown]`).
    public var function: String?
    /// From the start of the function holding the code, as perf's `sym+0xoff`; for an inlined frame, of
    /// the function it was inlined into (perf's inline symbols start there too).
    public var offset: UInt64
    /// perf's dso column: the binary's path, `[kernel.kallsyms]`, a module's `[name]`, `[vdso]`, or
    /// `[unknown]` for an address outside every mapping.
    public var module: String
    public var isInlined: Bool
    /// Source position (`--srcline`), nil when unknown.
    public var file: String?
    public var line: Int

    public init(function: String?, offset: UInt64, module: String, isInlined: Bool, file: String? = nil, line: Int = 0) {
        self.function = function
        self.offset = offset
        self.module = module
        self.isInlined = isInlined
        self.file = file
        self.line = line
    }
}

/// `perf script`'s text (or one JSON object per sample) with every frame symbolized the way `collapse` does:
/// Go names and inlined frames by default, ELF/kallsyms names exactly as perf prints them with `elfNames`.
/// Each callchain entry is symbolized and rendered once per (mapping, address, exactness); samples then
/// copy the rendered bytes.
public struct PerfScriptWriter {
    public var json: Bool
    /// The symbolizer: its binaries, kallsyms and per-address caches serve script as they serve collapse.
    var sym: PerfCollapser
    var options: PerfCollapseOptions { sym.options }
    /// (pid, mode, exactness, address) -> rendered chunk id, without looking up the mapping again; cleared
    /// when maps change.
    var runs = FrameRunCache()
    var chunkIDs: [PerfCollapser.FrameKey: UInt32] = [:]
    var frameCache: [PerfCollapser.FrameKey: [ScriptFrame]] = [:]
    /// Per event: its sample type, `event: ` as perf right-aligns it, and whether a period is shown.
    var events: [(type: SampleFormat, name: [UInt8], showPeriod: Bool)] = []
    /// Per thread (and callchain or not): `comm  tid ` of the header, as a range of `heads`; cleared on COMM.
    var headIndex: [Int64: Int] = [:]
    var heads: [UInt8] = []
    var headRanges: [Range<Int>] = []
    /// Rendered callchain entries back to back; `chunkRanges[id]` is one entry's bytes.
    var chunkPool: [UInt8] = []
    var chunkRanges: [Range<Int>] = []
    /// Per chunk: whether it names a Go injected call or signal restorer (`stackChunks`).
    var injectedChunks: [Bool] = []
    /// The current sample's chunk ids, leaf first.
    var sampleChunks: [UInt32] = []
    var line: [UInt8] = []
    let hasFilters: Bool
    /// Values of samples that read their group, per id (SampleRead.swift).
    var reads = SampleReadSplitter()
    public private(set) var samples = 0
    /// Samples whose callchain was cut at `options.maxStack` entries.
    public private(set) var cutSamples = 0

    public init(options: PerfCollapseOptions, json: Bool = false) {
        sym = PerfCollapser(options: options)
        self.json = json
        hasFilters = options.eventFilter != nil || !options.pids.isEmpty || !options.tids.isEmpty || !options.cpus.isEmpty
            || options.timeRange != nil || !options.comms.isEmpty
    }

    /// Warnings from finding binaries and kernel symbols (and the capture's own, after `write`).
    public var warnings: [String] { sym.warnings }

    /// Every sample of `file` in perf's order.
    public mutating func write(_ file: PerfFile, to out: inout OutputBuffer) throws(PerfDataError) {
        if let e = file.cpuFilterError(options.cpus) { throw e }
        begin(file)
        var model = ProcessModel(file: file)
        var it = file.orderedRecords()
        while let rec = it.next() { try process(rec, model: &model, file: file, to: &out) }
        if let e = it.error { throw e }
        finish(file, notes: model.notes)
    }

    /// Call once per capture before `process`.
    public mutating func begin(_ file: PerfFile) {
        sym.loadKernelSymbols(file)
        // A new model: its mapping ids start again (the unwinder's last mapping was the old model's).
        sym.stackTruth.unwindMapping = nil
        sym.eventSamples = Array(repeating: 0, count: file.events.count)
        reads = SampleReadSplitter()
        runs.removeAll()
        headIndex.removeAll()
        // perf right-aligns event names to the longest of the capture's.
        let width = file.events.map(\.name.count).max() ?? 0
        events = file.events.map { ev in
            // A fixed-period event (page-faults/period=50/) records no period; perf prints the attr's.
            (ev.layout.type, Array((leftPad(ev.name, width) + ": ").utf8), ev.layout.type.contains(.period) || ev.layout.defaultPeriod != 0)
        }
    }

    /// `notes`: the process model's, for malformed records and AUX data skipped.
    public mutating func finish(_ file: PerfFile, notes: RecordNotes = RecordNotes()) {
        if let w = notes.malformedWarning(path: file.path) { sym.warnings.append(w) }
        if let w = notes.auxWarning { sym.warnings.append(w) }
        if let w = PerfCollapser.lbrWarning(file, eventSamples: sym.eventSamples) { sym.warnings.append(w) }
        for w in file.warnings where !sym.warnings.contains(w) { sym.warnings.append(w) }
        if cutSamples > 0, let n = options.maxStack { sym.warnings.append(Self.maxStackWarning(cutSamples, n)) }
    }

    /// perf script cuts silently; the cut is said here, on standard error only.
    public static func maxStackWarning(_ samples: Int, _ maxStack: Int) -> String {
        "\(samples) sample\(samples == 1 ? "" : "s") had callchains longer than --max-stack \(maxStack) and were cut there, as perf script cuts them; pass --max-stack N to see more"
    }

    /// Feeds one record: non-samples update `model`, samples that pass the filters are written.
    public mutating func process(_ rec: RawRecord, model: inout ProcessModel, file: PerfFile, to out: inout OutputBuffer) throws(PerfDataError) {
        guard rec.type == .sample else {
            model.process(rec, in: file)
            switch rec.type {
            case .mmap, .mmap2, .fork:
                runs.removeAll()
                sym.stackTruth.mapsChanged()
            case .comm:
                runs.removeAll()
                sym.stackTruth.mapsChanged()
                headIndex.removeAll()
            default: break
            }
            return
        }
        let s = try file.sample(rec)
        guard file.events[s.eventIndex].layout.type.contains(.read) else {
            emit(s, file: file, model: model, to: &out)
            return
        }
        // A sample that reads its group is one sample per member, as perf script prints them (SampleRead.swift).
        for k in 0..<reads.split(s, file: file) {
            var d = s
            (d.eventIndex, d.id, d.period) = reads.deliveries[k]
            emit(d, file: file, model: model, to: &out)
        }
    }

    /// Writes one sample (after the filters).
    mutating func emit(_ s: Sample, file: PerfFile, model: ProcessModel, to out: inout OutputBuffer) {
        if s.eventIndex < sym.eventSamples.count { sym.eventSamples[s.eventIndex] &+= 1 }
        if hasFilters {
            let o = options
            if let e = o.eventFilter, file.events[s.eventIndex].name != e { return }
            if !o.pids.isEmpty, !o.pids.contains(s.pid) { return }
            if !o.tids.isEmpty, !o.tids.contains(s.tid) { return }
            if !o.cpus.isEmpty, !o.cpus.contains(s.cpu) { return }
            if let r = o.timeRange, !r.contains(s.time) { return }
            if !o.comms.isEmpty, !o.comms.contains(model.comm(tid: s.tid)) { return }
        }
        samples += 1
        if json { writeJSON(s, file: file, model: model, to: &out) } else { writeText(s, file: file, model: model, to: &out) }
    }

    /// The callchain entries of a sample, leaf first, with their mode and origin; the first address after a
    /// context marker is exact (where that context was interrupted), the others are return addresses.
    /// `truth`: the chain the stack-truth stage rewrote, else the sample's own.
    /// An iterator rather than a closure: a closure capturing the writer made Swift copy it per sample.
    struct Entries {
        let s: Sample
        let truth: TrueChain?
        var i = 0
        var mode: CPUMode
        var exact = true
        /// Entries still to give (perf script's --max-stack); `cut`: one more was there.
        var left: Int
        var cut = false
        init(_ s: Sample, truth: TrueChain?, maxStack: Int? = nil) {
            self.s = s
            self.truth = truth
            mode = s.cpuMode
            left = maxStack ?? .max
        }
        /// The next entry, but no more than `left`: perf cuts chains in thread__resolve_callchain_sample,
        /// counting addresses, not context markers. Callers the stack-truth stage inserted are not perf's
        /// entries and are not counted.
        @inline(__always)
        mutating func next() -> (address: UInt64, mode: CPUMode, exact: Bool, origin: FrameOrigin)? {
            guard let e = nextEntry() else { return nil }
            if e.origin == .callSite || e.origin.holdsName { return e }
            if left <= 0 {
                cut = true
                return nil
            }
            left -= 1
            return e
        }
        @inline(__always)
        mutating func nextEntry() -> (address: UInt64, mode: CPUMode, exact: Bool, origin: FrameOrigin)? {
            if let t = truth {
                while i < t.count {
                    let v = t.entries[i], o = t.origins[i]
                    i += 1
                    if !o.holdsName, CallchainContext.isMarker(v) {
                        mode = CallchainContext.mode(of: v)
                        exact = true
                        continue
                    }
                    defer { exact = false }
                    return (v, mode, exact, o)
                }
                return nil
            }
            let chain = s.callchain
            if chain.isEmpty {
                guard i == 0 else { return nil }
                i = 1
                return (s.ip, s.cpuMode, true, .recorded)
            }
            while i < chain.count {
                let v = chain[i]
                i += 1
                if CallchainContext.isMarker(v) {
                    mode = CallchainContext.mode(of: v)
                    exact = true
                    continue
                }
                defer { exact = false }
                return (v, mode, exact, PerfCollapser.recordedOrigin(mode, hasChain: true))
            }
            return nil
        }
    }

    /// The rendered chunks of the sample's stack as the stack-truth stage finds it, into `sampleChunks`;
    /// true when --max-stack cut it. A stack whose chunks name an injected call or Go's signal restorer is
    /// found again with their edits (InjectedCalls.swift), as the fold does.
    mutating func stackChunks(_ s: Sample, file: PerfFile, model: ProcessModel) -> Bool {
        let how = sym.findStack(s, file: file, model: model)
        var truth: TrueChain?
        if case .recorded = how {} else { truth = sym.stackTruth.chain }
        var cut = appendChunks(s, truth: truth, model: model)
        // The fold's rule (`PerfCollapser.foldSample`): a chain, not an unwound stack, gets the second look.
        if how.mayHoldInjectedCall(s), !options.recordedStacks, sampleChunks.contains(where: { injectedChunks[Int($0)] }),
           sym.injectedFoldStack(s, model: model) {
            cut = appendChunks(s, truth: sym.stackTruth.chain, model: model)
        }
        return cut
    }

    private mutating func appendChunks(_ s: Sample, truth: TrueChain?, model: ProcessModel) -> Bool {
        sampleChunks.removeAll(keepingCapacity: true)
        var e = Entries(s, truth: truth, maxStack: options.maxStack)
        while let (a, mode, exact, origin) = e.next() {
            sampleChunks.append(chunk(a, mode: mode, exact: exact, origin: origin, pid: s.pid, model: model))
        }
        return e.cut
    }

    /// perf script's default layout: `comm tid [cpu] time: period event:` then one line per frame.
    /// Built as bytes into one line buffer per sample: at 466k samples, Strings per field cost more than the rest.
    mutating func writeText(_ s: Sample, file: PerfFile, model: ProcessModel, to out: inout OutputBuffer) {
        let ev = events[s.eventIndex]
        let hasChain = ev.type.contains(.callchain)
        line.removeAll(keepingCapacity: true)
        let key = Int64(s.tid) << 1 | (hasChain ? 1 : 0)
        let h: Int
        if let known = headIndex[key] {
            h = known
        } else {
            // Names are the capture's: control characters escaped (`\x1b`) for the terminal.
            let comm = TerminalText.escape(NameLimit.limited(model.comm(tid: s.tid)))
            let text = (hasChain ? comm : leftPad(comm, 16)) + " " + leftPad(String(s.tid), 5) + " "
            let start = heads.count
            heads += text.utf8
            h = headRanges.count
            headRanges.append(start..<heads.count)
            headIndex[key] = h
        }
        line += heads[headRanges[h]]
        if ev.type.contains(.cpu) {
            line.append(0x5b)
            appendDecimal(UInt64(s.cpu), width: 3, pad: 0x30, to: &line)
            line += "] ".utf8
        }
        if ev.type.contains(.time) {
            let us = s.time / 1000
            appendDecimal(us / 1_000_000, width: 5, to: &line)
            line.append(0x2e)
            appendDecimal(us % 1_000_000, width: 6, pad: 0x30, to: &line)
            line += ": ".utf8
        }
        if ev.showPeriod {
            appendDecimal(s.period, width: 10, to: &line)
            line.append(0x20)
        }
        line += ev.name
        if hasChain {
            // A sample's frames are held as chunk ids (4 bytes a callchain entry), not as text.
            line.append(0x0a)
            out.append(bytes: line)
            if stackChunks(s, file: file, model: model) { cutSamples += 1 }
            for id in sampleChunks { out.append(bytes: chunkPool[chunkRanges[Int(id)]]) }
            out.append(byte: 0x0a)
            return
        } else {
            // Without a callchain perf prints the sampled address itself and its (outermost) symbol on the header line.
            let m = model.mapping(pid: s.pid, address: s.ip, mode: s.cpuMode)
            let f = frames(s.ip, mapping: m, exact: true).last!
            line += (leftPad(String(s.ip, radix: 16), 16) + " " + symbolText(f) + " (" + TerminalText.escape(f.module) + ")\n").utf8
        }
        out.append(bytes: line)
    }

    func symbolText(_ f: ScriptFrame) -> String {
        guard let name = f.function else { return "[unknown]" }
        return TerminalText.escape(name) + "+0x" + String(f.offset, radix: 16)
    }

    /// The rendered text or JSON of one callchain entry (all its frames), made once per unique entry.
    @inline(__always)
    mutating func chunk(_ address: UInt64, mode: CPUMode, exact: Bool, origin: FrameOrigin, pid: Int32, model: ProcessModel) -> UInt32 {
        let tag = UInt64(UInt32(bitPattern: pid)) << 16 | UInt64(origin.rawValue) << 8 | UInt64(mode.rawValue) << 1 | (exact ? 1 : 0) | 1 << 63
        if let hit = runs.find(address, tag: tag) { return runs.pool[hit.0] }
        // A placeholder's entry is a name id, not an address: no mapping.
        let m = origin.holdsName ? nil : model.mapping(pid: pid, address: address, mode: mode)
        let key = PerfCollapser.FrameKey(mapping: m?.id ?? -1, address: address, exact: exact, origin: origin.rawValue)
        let id: UInt32
        if let known = chunkIDs[key] {
            id = known
        } else {
            id = UInt32(chunkRanges.count)
            // Rendered before touching chunkPool: `chunkPool += render(…)` overlaps an access to self with a
            // read of self, which made Swift copy the whole writer on every sample.
            let found = origin.holdsName ? [placeholderFrame(address)] : frames(address, mapping: m, exact: exact)
            let bytes = render(address, mapping: m, frames: found, origin: origin)
            let start = chunkPool.count
            chunkPool += bytes
            chunkRanges.append(start..<chunkPool.count)
            injectedChunks.append(found.contains { DwarfUnwinder.isInjectedCallOrRestorer($0.function ?? "") })
            chunkIDs[key] = id
        }
        _ = runs.insert(address, tag: tag, run: [id])
        return id
    }

    /// A `[caller of f]` frame: a function the frame-pointer walk skipped, called indirectly.
    func placeholderFrame(_ nameID: UInt64) -> ScriptFrame {
        ScriptFrame(function: sym.nameTable.names.indices.contains(Int(nameID)) ? String(decoding: sym.nameTable.names[Int(nameID)], as: UTF8.self) : "[caller]",
                    offset: 0, module: "[unknown]", isInlined: false)
    }

    func render(_ address: UInt64, mapping m: Mapping?, frames: [ScriptFrame], origin: FrameOrigin) -> [UInt8] {
        var out: [UInt8] = []
        let placeholder = origin.holdsName
        // A caller named only by its entry has no call site, so no line.
        let entryOnly = origin == .callSite && frames.count == 1 && frames[0].offset == 0
        if json {
            for (i, f) in frames.enumerated() {
                if i > 0 { out.append(0x2c) }
                out += (placeholder ? "{\"addr\":null,\"function\":" : "{\"addr\":\"0x\(String(address, radix: 16))\",\"function\":").utf8
                if placeholder {
                    appendJSONString(f.function ?? "", to: &out)
                    out += ",\"offset\":null".utf8
                } else if let name = f.function {
                    appendJSONString(name, to: &out)
                    out += ",\"offset\":".utf8
                    appendDecimal(f.offset, to: &out)
                } else {
                    out += "null,\"offset\":null".utf8
                }
                out += ",\"module\":".utf8
                appendJSONString(f.module, to: &out)
                out += (f.isInlined ? ",\"inlined\":true" : ",\"inlined\":false").utf8
                if options.srcline {
                    out += ",\"file\":".utf8
                    if let file = f.file, !entryOnly {
                        appendJSONString(file, to: &out)
                        out += ",\"line\":".utf8
                        appendDecimal(UInt64(max(f.line, 0)), to: &out)
                    } else {
                        out += "null,\"line\":null".utf8
                    }
                }
                out += ",\"found\":\"\(origin.name)\"}".utf8
            }
            return out
        }
        // perf shows user addresses as offsets into their binary, kernel ones (and unmapped ones) as they are.
        let shown = placeholder ? 0 : m.map { $0.isKernel ? address : $0.fileOffset(of: address) } ?? address
        let column = "\t" + leftPad(String(shown, radix: 16), 16) + " "
        if placeholder { return (column + (frames.first?.function ?? "") + " ([unknown])\n").utf8.map { $0 } }
        for f in frames {
            // perf's sample__fprintf_callchain: the dso only on real symbols, the source line under the
            // frame, and " (inlined)" after both.
            var line = column + symbolText(f)
            if !f.isInlined { line += " (" + TerminalText.escape(f.module) + ")" }
            if options.srcline, let file = f.file, !entryOnly { line += "\n  \(TerminalText.escape(file)):\(f.line)" }
            if f.isInlined { line += " (inlined)" }
            out += (line + "\n").utf8
        }
        return out
    }

    mutating func writeJSON(_ s: Sample, file: PerfFile, model: ProcessModel, to out: inout OutputBuffer) {
        let ev = file.events[s.eventIndex]
        let t = events[s.eventIndex].type
        out.append("{\"time\":")
        out.append(decimal: s.time)
        out.append(",\"pid\":\(s.pid),\"tid\":\(s.tid)")
        if t.contains(.cpu) { out.append(",\"cpu\":\(s.cpu)") }
        out.append(",\"period\":")
        out.append(decimal: s.period)
        out.append(",\"event\":")
        appendJSONString(ev.name, to: &out)
        out.append(",\"comm\":")
        appendJSONString(NameLimit.limited(model.comm(tid: s.tid)), to: &out)
        out.append(",\"ips\":[")
        var first = true
        // `ips`: perf's recorded entries; `stack`: the frames as found (inserted callers marked in `found`).
        var e = Entries(s, truth: nil, maxStack: options.maxStack)
        while let (a, _, _, _) = e.next() {
            if !first { out.append(byte: 0x2c) }
            first = false
            out.append("\"0x" + String(a, radix: 16) + "\"")
        }
        out.append("],\"stack\":[")
        first = true
        if stackChunks(s, file: file, model: model) { cutSamples += 1 }
        for id in sampleChunks {
            if !first { out.append(byte: 0x2c) }
            first = false
            out.append(bytes: chunkPool[chunkRanges[Int(id)]])
        }
        out.append("]}\n")
    }

    /// The frames of one callchain entry, innermost first; never empty.
    mutating func frames(_ address: UInt64, mapping m: Mapping?, exact: Bool) -> [ScriptFrame] {
        let key = PerfCollapser.FrameKey(mapping: m?.id ?? -1, address: address, exact: exact)
        if let cached = frameCache[key] { return cached }
        // Names cut to NameLimit for the text and the JSON alike.
        let result = resolve(address, mapping: m, exact: exact).map { f in
            var f = f
            f.function = f.function.map(NameLimit.limited)
            f.module = NameLimit.limited(f.module)
            f.file = f.file.map(NameLimit.limited)
            return f
        }
        frameCache[key] = result
        return result
    }

    mutating func resolve(_ address: UInt64, mapping m: Mapping?, exact: Bool) -> [ScriptFrame] {
        guard let m else { return [ScriptFrame(function: nil, offset: 0, module: "[unknown]", isInlined: false)] }
        let module = perfDSOName(m)
        let unknown = [ScriptFrame(function: nil, offset: 0, module: module, isInlined: false)]
        if m.isKernel {
            guard let k = sym.kernelSymbol(address, mapping: m) else { return unknown }
            return [ScriptFrame(function: k.name, offset: k.offset, module: module, isInlined: false)]
        }
        if m.isJITMap {
            guard let j = sym.jitSymbol(address, mapping: m) else { return unknown }
            return [ScriptFrame(function: j.name, offset: j.offset, module: module, isInlined: false)]
        }
        guard let img = sym.image(for: m), let vaddr = img.elf.virtualAddress(ofFileOffset: m.fileOffset(of: address)) else {
            return unknown
        }
        if options.elfNames {
            guard let s = sym.elfSymbol(img, vaddr) else { return unknown }
            var f = ScriptFrame(function: options.demangle ? demangledName(s.name) : s.name, offset: s.offset,
                                module: module, isInlined: false)
            if options.srcline, let inner = img.frames(at: vaddr, isReturnAddress: !exact).first, Self.known(inner.file) {
                f.file = inner.file
                f.line = inner.line
            }
            return [f]
        }
        let raw = img.frames(at: vaddr, isReturnAddress: !exact)
        guard let physical = raw.last else { return unknown }
        // Offsets are from the address itself, as perf prints them, not from the call instruction looked up.
        let offset = physical.offset &+ (vaddr &- img.lookupAddress(vaddr, isReturnAddress: !exact))
        // Inlined wrappers are hidden as Go's CallersFrames hides them; every address keeps its physical frame.
        var shown = options.keepWrappers ? raw : img.frames(at: vaddr, isReturnAddress: !exact, goStyle: true)
        if shown.last?.isInlined != false { shown.append(physical) }
        if !options.inlines {
            shown = [SourceFrame(function: physical.function, file: raw[0].file, line: raw[0].line, isInlined: false)]
        }
        return shown.map { f in
            var out = ScriptFrame(function: options.displayName(f.function), offset: offset,
                                  module: module, isInlined: f.isInlined)
            if options.srcline, Self.known(f.file) {
                out.file = f.file
                out.line = f.line
            }
            return out
        }
    }

    /// The symbolizers write `?` (pclntab) or `??` (DWARF, symtab) for no file.
    static func known(_ file: String) -> Bool { !file.isEmpty && file != "?" && file != "??" }
}
