import BinaryIO
import PerfData
import Symbolize

#if canImport(Glibc)
import Glibc
#endif

/// The unique stacks of a fold and their names, as they stood when taken (`PerfCollapser.stackTables`).
public struct StackTables: Sendable {
    let pool: [UInt32]
    let starts: [UInt32]
    let counts: [UInt32]
    let names: [[UInt8]]

    /// How many unique stacks there are (stack indices are below it).
    public var stackCount: Int { starts.count }
    /// How many distinct frame names the stacks use (ids are below it).
    public var nameCount: Int { names.count }
    /// The name ids of unique stack `index`, root first: for work done once per distinct name.
    public func nameIDs(_ index: Int) -> ArraySlice<UInt32> {
        let s = Int(starts[index])
        return pool[s..<s + Int(counts[index])]
    }
    public func name(_ id: UInt32) -> String { String(decoding: names[Int(id)], as: UTF8.self) }
}

/// One folded sample, kept when `recordSamples` is set.
public struct FoldedSample: Sendable {
    // 32 bytes in this order (40 with `weight` after `cpu`): hundreds of thousands are written and read.
    public var time: UInt64
    public var weight: UInt64
    public var pid: Int32
    public var tid: Int32
    public var cpu: UInt32
    /// Index of its stack (see `PerfCollapser.stackNames`).
    public var stack: Int32
}


/// Folds a perf.data capture into symbolized stacks. Callchains are interned as integers first,
/// each unique (mapping, address) is symbolized once, and strings are built only for unique stacks.
public struct PerfCollapser {
    public let options: PerfCollapseOptions
    public internal(set) var warnings: [String] = []
    public private(set) var samples = 0
    /// Sample records read, before any filter (`samples` counts those kept).
    public private(set) var capturedSamples = 0
    public private(set) var skippedSamples = 0
    public private(set) var sampleRecords: [FoldedSample] = []
    /// The event folded (see `weightUnit`).
    public private(set) var foldedEvent: EventDesc?

    /// Binaries and kernel symbols are asked of it; `images` keeps its answer per mapping.
    var sources: SymbolSources
    var images: [String: BinaryImage?] = [:]
    /// JIT symbol files by mapping name (JITSymbols.swift); nil: none found.
    var perfMaps: [String: PerfMap?] = [:]
    /// Per unique (mapping id, address, exact): the folded names, root first.
    var frameNames: [FrameKey: [UInt32]] = Dictionary(minimumCapacity: 1 << 10)
    var nameTable = NameTable()
    var stacks = StackCounter()
    var warnedMismatch: Set<String> = []
    /// Kernel modules' files by image key, and modules whose unnamed frames were warned of (KernelModules.swift).
    var moduleELFs: [String: ELFFile?] = [:]
    var warnedModules: Set<String> = []
    /// Binaries not found or refused, in the order first met, and which placeholder names stand for them.
    var missing: [MissingBinary] = []
    var missingNames: [UInt32: Int] = [:]
    /// Paths refused per image key, for the summary warning.
    var refused: [String: [String]] = [:]
    /// Whether the capture records CPU numbers (`FoldedSample.cpu` is 0 otherwise, and means nothing).
    public private(set) var recordsCPU = true
    /// Samples with a recorded user stack whose chain has one user frame (see `noteLeafOnly`).
    var leafOnlySamples = 0
    /// Names of frames outside every mapping, and the samples folded after a malformed record with and
    /// without one (SkippedRecords.swift).
    var unknownNameIDs = Set<UInt32>()
    var afterMalformed = (samples: 0, unknown: 0)
    /// Samples seen per event index, folded or not (see `chooseEvent`).
    var eventSamples: [Int] = []
    var kernelSymbols: (any KernelSymbolLookup)?
    var kernelTextAddress: UInt64?

    /// Where kernel symbols come from, decided per capture; read on the first kernel frame.
    var kallsymsPath: String?
    var kallsymsTried = false
    /// Why this machine's kallsyms was not used; warned on the first kernel frame.
    var kernelNote: String?

    struct FrameKey: Hashable {
        var mapping: Int
        var address: UInt64
        var exact: Bool
        /// `FrameOrigin.rawValue`: script renders `"found"` per entry.
        var origin: UInt8 = 0

        // Two words hashed, not four: hashed per new address and per lookup of one.
        func hash(into h: inout Hasher) {
            h.combine(address)
            h.combine(UInt64(truncatingIfNeeded: mapping) << 9 | (exact ? 0x100 : 0) | UInt64(origin))
        }
    }

    /// Per Go function and inline node (and exactness: a return address's wrapper frame is hidden): the
    /// names of every PC there, where names do not depend on the PC (`namesByNode`). On a dwarf capture
    /// each new exact leaf PC is named; most share a node with one named before.
    var nodeNames: [NodeKey: [UInt32]] = Dictionary(minimumCapacity: 1 << 10)
    /// True when a frame prints its function names only: no file and line, none kept for locations,
    /// pclntab names rather than ELF symbols (and their offsets).
    let namesByNode: Bool

    struct NodeKey: Hashable {
        var image: ObjectIdentifier
        var node: GoFrameNode
        var exact: Bool

        // Two words hashed, as FrameKey's.
        func hash(into h: inout Hasher) {
            h.combine(image)
            h.combine(UInt64(UInt32(bitPattern: node.function)) << 33 | UInt64(UInt32(bitPattern: node.inline)) << 1
                      | (exact ? 1 : 0))
        }
    }

    /// Per (pid, address, exact, mode): the names, without looking up the mapping again. Cleared when maps change.
    var sampleFrames = FrameRunCache()
    /// Per recorded chain: the unique stack it folded to (ChainFoldCache.swift). Cleared with `sampleFrames`.
    var chainFolds = ChainFoldCache()
    var modes: [UInt16] = []
    /// Root frame's name id per thread; cleared when a comm changes. An integer map: Dictionary hashed each
    /// sample's tid with SipHash.
    var roots = IntMap<UInt32>()
    var lastRoot: (tid: Int32, id: UInt32) = (0, .max)
    /// Unwind tables and rules for `--call-graph dwarf` samples (Unwind/SampleUnwind.swift).
    var unwindState = SampleUnwindState()
    /// How the unwinds of `--call-graph dwarf` samples ended.
    public var unwindStats: UnwindStats { unwindState.stats }
    /// The stack-truth stage's chain and caches (Unwind/StackTruth.swift).
    var stackTruth = StackTruthState()
    /// Location stacks, with `recordLocations` (Locations.swift).
    var recorder = LocationRecorder()

    public init(options: PerfCollapseOptions) {
        self.options = options
        sources = SymbolSources(options: options.binaries)
        namesByNode = !options.srcline && !options.recordLocations && !options.elfNames
    }

    /// The fewest bytes of perf.data a sample takes, for reserving `sampleRecords` (tests raise it, so
    /// that the array grows as it would for a compressed capture).
    nonisolated(unsafe) static var bytesPerRecordedSample = 48

    mutating func intern(_ s: String) -> UInt32 { nameTable.intern(s) }

    public mutating func collapse(_ file: PerfFile) throws(PerfDataError) {
        try collapse(file, every: .max) { _ in }
    }

    /// As `collapse(_:)`, calling `progress` with the collapser as it stands after every `interval`
    /// recorded samples (`recordSamples`): work on the samples so far can start before the fold ends.
    /// Until the next call, at most `interval` more records are appended (`sampleRecords` moves only when
    /// an append finds it full).
    public mutating func collapse(_ file: PerfFile, every interval: Int, progress: (borrowing PerfCollapser) -> Void) throws(PerfDataError) {
        let step = max(interval, 1)
        var nextProgress = options.recordSamples && step < Int.max - sampleRecords.count ? sampleRecords.count + step : .max
        loadKernelSymbols(file)
        chainFolds.removeAll()
        // A new model: its mapping ids start again (the unwinder's last mapping was the old model's).
        stackTruth.unwindMapping = nil
        var model = ProcessModel(file: file)
        var it = file.orderedRecords()
        var scratch = FrameScratch()
        let filterEvent = options.eventFilter ?? file.events.first?.name
        foldedEvent = file.events.first { $0.name == filterEvent }
        // An event the capture lacks keeps no sample (with one event, `foldSample` compares no names).
        let noSuchEvent = options.eventFilter != nil && foldedEvent == nil
        if let e = file.cpuFilterError(options.cpus) { throw e }
        recordsCPU = file.recordsCPU
        eventSamples = Array(repeating: 0, count: file.events.count)
        let sampleReads = file.events.map { $0.layout.type.contains(.read) }
        var reads = SampleReadSplitter()
        if options.recordSamples {
            // Room for as many samples as the data could hold (a sample takes at least 48 bytes with the
            // fields alignment needs): pages never written are never faulted in, where growing the array
            // copied it and faulted in every page again at each doubling.
            sampleRecords.reserveCapacity(sampleRecords.count + file.file.bytes.count / Self.bytesPerRecordedSample)
            adviseHugePages(&sampleRecords)
        }
        // Decoded in place, record after record (a Sample is ~350 bytes: returning one copied it).
        var s = Sample()
        while let rec = it.next() {
            guard rec.type == .sample else {
                let mapsBefore = model.mappingCount
                model.process(rec, in: file)
                switch rec.type {
                case .mmap, .mmap2:
                    // A data map (`mmap_data` captures: every heap arena) leaves the model as it was.
                    if model.mappingCount != mapsBefore { forgetFolds() }
                case .fork:
                    forgetFolds()
                case .comm:
                    forgetFolds()
                    roots = IntMap()
                    lastRoot = (0, .max)
                default: break
                }
                continue
            }
            capturedSamples += 1
            if noSuchEvent { continue }
            try file.sample(rec, into: &s)
            // A sample that reads its group stands for one sample per member (SampleRead.swift).
            let n = sampleReads[s.eventIndex] ? reads.split(s, file: file) : 1
            for k in 0..<n {
                let folded: Bool
                if sampleReads[s.eventIndex] {
                    var d = s
                    (d.eventIndex, d.id, d.period) = reads.deliveries[k]
                    folded = foldSample(d, file: file, model: model, event: filterEvent, scratch: &scratch)
                } else {
                    // Not copied: a Sample is ~300 bytes.
                    folded = foldSample(s, file: file, model: model, event: filterEvent, scratch: &scratch)
                }
                guard folded, sampleRecords.count == nextProgress else { continue }
                progress(self)
                nextProgress = step < Int.max - nextProgress ? nextProgress + step : .max
            }
        }
        if let e = it.error { throw e }
        if options.eventFilter == nil, file.events.count > 1, try chooseEvent(file, every: interval, progress: progress) { return }
        warnMissingBinaries()
        warnLeafOnly()
        warnSkippedRecords(file, model.notes)
        for w in file.warnings where !warnings.contains(w) { warnings.append(w) }
        if file.isPipe, capturedSamples == 0 {
            // A pipe has no header saying how much data to expect: a stream cut at a record boundary
            // before the first sample looks complete, and would fold to nothing.
            warnings.append(Self.noSampleInPipe(file.path))
        }
    }

    /// Drops what was cached from the maps and comms as they stood: frames per address, folds per chain.
    private mutating func forgetFolds() {
        sampleFrames.removeAll()
        chainFolds.removeAll()
        recorder.cache.removeAll()
        stackTruth.mapsChanged()
    }

    /// Folds one sample, unless a filter drops it; true when it was recorded (`recordSamples`).
    @inline(__always)
    mutating func foldSample(_ s: Sample, file: PerfFile, model: ProcessModel, event filterEvent: String?,
                             scratch: inout FrameScratch) -> Bool {
        if s.eventIndex < eventSamples.count { eventSamples[s.eventIndex] &+= 1 }
        // `eventSamples` has one count per event: reading `file.events` costs an exclusivity check.
        if eventSamples.count > 1, file.events[s.eventIndex].name != filterEvent { return false }
        if !options.pids.isEmpty, !options.pids.contains(s.pid) { return false }
        if !options.tids.isEmpty, !options.tids.contains(s.tid) { return false }
        if !options.cpus.isEmpty, !options.cpus.contains(s.cpu) { return false }
        if let r = options.timeRange, !r.contains(s.time) { return false }
        if !options.comms.isEmpty, !options.comms.contains(model.comm(tid: s.tid)) { return false }
        samples += 1
        let root = rootName(s, model: model)
        let weight = options.weightByPeriod ? max(s.period, 1) : 1
        // A chain folded before: its stack, counted again (ChainFoldCache.swift).
        let cacheable = chainFoldable(s, model: model)
        var chainHash: UInt64 = 0
        if cacheable {
            chainHash = ChainFoldCache.hash(s.callchain, pid: s.pid, mode: s.cpuMode.rawValue, root: root)
            if let e = chainFolds.find(s.callchain, hash: chainHash, pid: s.pid, mode: s.cpuMode.rawValue, root: root) {
                let index = countCachedChain(chainFolds.entries[e], weight: weight)
                return recordSample(s, weight: weight, stack: index)
            }
        }
        let repairsBefore = (stackTruth.inserted, stackTruth.placeholders)
        if options.recordLocations { beginLocations(root: root) }
        // Leaf first in the sample; folded stacks are root first: walk the chain backwards.
        let how = findFoldStack(s, file: file, model: model)
        // An unwound chain folded before: its stack, counted again (the unwinding itself is per sample).
        var unwound: (mode: UInt16, hash: UInt64)?
        if case .unwound = how, unwoundFoldable(model: model) {
            let mode = unwoundMode(s)
            let (h, hit) = findUnwoundFold(s, root: root, mode: mode)
            if let hit { return recordSample(s, weight: weight, stack: countCachedChain(chainFolds.entries[hit], weight: weight)) }
            unwound = (mode, h)
        }
        // Filled only now: a sample whose unwound chain was folded before writes nothing here.
        scratch.removeAll()
        scratch.append(root)
        var found = appendFoldStack(how, s, model: model, to: &scratch)
        // A chain that named an injected call's frame (rare): folded again with the interrupted PC exact.
        if how.mayHoldInjectedCall(s), mayHoldInjectedCall(scratch), injectedFoldStack(s, model: model) {
            scratch.removeAll()
            scratch.append(root)
            found = appendFoldStack(.chain, s, model: model, to: &scratch)
        }
        if !missingNames.isEmpty { countMissing(scratch) }
        if model.notes.malformedCount > 0 { noteAfterMalformed(scratch) }
        if !found { noteLeafOnly(s, chain: s.callchain) }
        let index = scratch.withIDs { stacks.add($0, weight: weight) }
        if options.recordLocations { endLocations(weight: weight) }
        if let u = unwound { insertUnwoundFold(s, root: root, mode: u.mode, hash: u.hash, stack: index) }
        if cacheable {
            let repair: UInt8 = stackTruth.placeholders != repairsBefore.1 ? 2 : stackTruth.inserted != repairsBefore.0 ? 1 : 0
            chainFolds.insert(s.callchain, hash: chainHash, pid: s.pid, mode: s.cpuMode.rawValue, root: root, stack: index, repair: repair)
        }
        return recordSample(s, weight: weight, stack: index)
    }

    /// Appends the folded sample to `sampleRecords` when asked (`recordSamples`); true when it did.
    @inline(__always)
    mutating func recordSample(_ s: Sample, weight: UInt64, stack index: Int) -> Bool {
        guard options.recordSamples else { return false }
        sampleRecords.append(FoldedSample(time: s.time, weight: weight, pid: s.pid, tid: s.tid, cpu: s.cpu, stack: Int32(index)))
        return true
    }

    /// The root frame's name id: the thread's comm (with pid/tid when asked), cached per thread.
    @inline(__always)
    mutating func rootName(_ s: Sample, model: ProcessModel) -> UInt32 {
        if s.tid == lastRoot.tid, lastRoot.id != .max { return lastRoot.id }
        if let r = roots[Int64(s.tid)] {
            lastRoot = (s.tid, r)
            return r
        }
        var root = String(model.comm(tid: s.tid).map { $0 == " " ? "_" : $0 })
        if options.includeTID { root += "-\(s.pid)/\(s.tid)" } else if options.includePID { root += "-\(s.pid)" }
        let id = intern(root)
        if options.recordLocations, recorder.comms[id] == nil { recorder.comms[id] = model.comm(tid: s.tid) }
        roots[Int64(s.tid)] = id
        lastRoot = (s.tid, id)
        return id
    }

    /// Why the fold of `file` came out empty, for a command to fail with rather than print nothing: the
    /// capture holds no sample, has no event of `eventFilter`'s name, or none of its samples was left after
    /// the sample filters. Nil when some sample was folded.
    public func nothingFolded(_ file: PerfFile) -> String? {
        guard samples == 0 else { return nil }
        let path = file.path
        if let e = options.eventFilter, foldedEvent == nil {
            let names = file.events.map(\.name).joined(separator: ", ")
            return "\(path): no event named \(e) in this capture (its events: \(names)); pass one of them to --event-filter"
        }
        if capturedSamples == 0 {
            return "\(path): the capture holds no samples: nothing to fold (`stackfold info \(path)` lists its records)"
        }
        return "\(path): none of its \(capturedSamples) samples is left to fold (check --event-filter, --time and --only-*; "
            + "`stackfold info \(path)` lists the events and their sample counts)"
    }

    /// The warning (and `collapse`'s error) for a pipe-mode capture without a single sample.
    public static func noSampleInPipe(_ path: String) -> String {
        "\(path): pipe-mode capture with no sample record: cut before its first sample (perf stopped early or the pipe closed); nothing to fold"
    }

    /// Appends the names of a chain (perf's layout, leaf first) root first. `origins`, when given, marks
    /// placeholder entries, which hold a name id rather than an address; `insert`, a repaired caller.
    @inline(__always)
    mutating func appendChain<C: RandomAccessCollection>(_ chain: C, origins: UnsafePointer<FrameOrigin>?, _ s: Sample,
                                                         model: ProcessModel, to scratch: inout FrameScratch,
                                                         insert: ChainInsertion? = nil)
    where C.Element == UInt64, C.Index == Int {
        var mode = s.cpuMode
        // Which entries are exact (the first after a context marker) and in which mode: one forward pass.
        // Written by index, not emptied and appended to: see `FrameScratch`.
        if modes.count < chain.count { modes += repeatElement(0, count: chain.count - modes.count) }
        modes.withUnsafeMutableBufferPointer { modes in
            var exact = true, k = 0
            for v in chain {
                if CallchainContext.isMarker(v) {
                    mode = CallchainContext.mode(of: v)
                    exact = true  // the first address after a context switch is where that context was interrupted
                    modes[k] = 0xffff
                } else {
                    modes[k] = mode.rawValue | (exact ? 0x100 : 0)
                    exact = false
                }
                k &+= 1
            }
        }
        var i = chain.count - 1
        let at = insert?.after ?? -1
        while i >= 0 {
            if i == at, let ins = insert { appendInserted(ins, pid: s.pid, model: model, to: &scratch) }
            let m = modes[i]
            if let o = origins, o[i].holdsName {
                scratch.append(UInt32(truncatingIfNeeded: chain[i]))
                if options.recordLocations { noteNamedLocation(UInt32(truncatingIfNeeded: chain[i])) }
            } else if m != 0xffff {
                appendNames(for: chain[i], mode: CPUMode(rawValue: m & 0xff), exact: m & 0x100 != 0, pid: s.pid, model: model, to: &scratch)
            }
            i -= 1
        }
    }

    @inline(__always)
    mutating func appendNames(for address: UInt64, mode: CPUMode, exact: Bool, pid: Int32, model: ProcessModel, to out: inout FrameScratch) {
        // Tag: pid, mode and exactness, with a high bit so it is never 0.
        let tag = UInt64(UInt32(bitPattern: pid)) << 16 | UInt64(mode.rawValue) << 1 | (exact ? 1 : 0) | 1 << 63
        let run: (Int, Int)
        if let hit = sampleFrames.find(address, tag: tag) {
            run = hit
        } else {
            run = sampleFrames.insert(address, tag: tag, run: names(for: address, mode: mode, exact: exact, pid: pid, model: model))
        }
        if run.1 == 1 {
            out.append(sampleFrames.pool[run.0])
        } else {
            sampleFrames.pool.withUnsafeBufferPointer { p in
                for k in run.0..<run.0 + run.1 { out.append(p[k]) }
            }
        }
        if options.recordLocations, run.1 > 0 { noteLocation(address, tag: tag, mode: mode, exact: exact, pid: pid, model: model, run: run) }
    }

    /// The names one callchain entry folds to, root first (an inlined chain gives several).
    mutating func names(for address: UInt64, mode: CPUMode, exact: Bool, pid: Int32, model: ProcessModel) -> [UInt32] {
        // perf's callchains end in 0 and sometimes in garbage past the outermost frame; perf prints these
        // as [unknown] frames too, so they are kept.
        guard let m = model.mapping(pid: pid, address: address, mode: mode) else {
            let name = options.includeAddresses ? "[unknown <\(String(address, radix: 16))>]" : "[unknown]"
            let id = intern(name)
            unknownNameIDs.insert(id)
            return [id]
        }
        let key = FrameKey(mapping: m.id, address: address, exact: exact)
        if let cached = frameNames[key] { return cached }
        let node = namesByNode ? goNodeKey(address, mapping: m, exact: exact) : nil
        if let node, let named = nodeNames[node] { return named }
        let frames = symbolizedFrames(address, mapping: m, exact: exact, mode: mode)
        if options.recordLocations { keepFrames(frames, key) }
        let result = frames.map { intern($0.name) }
        frameNames[key] = result
        if let node { nodeNames[node] = result }
        if mode == .user { noteInjectedCallNames(frames, ids: result) }
        // Only a placeholder (`symbols` false) can stand for a binary not found.
        if frames.contains(where: { !$0.symbols }) { noteUnnamed(result, mapping: m) }
        return result
    }


    /// The function perf script names at file virtual address `vaddr` and the offset into it: the ELF symbol
    /// holding the address itself; for a stripped Go binary (perf's `[unknown]`), the pclntab's function.
    func elfSymbol(_ img: BinaryImage, _ vaddr: UInt64) -> (name: String, offset: UInt64)? {
        // perf's table and lookup: labels, zero-size symbols stretched to the next (PerfSymbols.swift).
        if let s = img.symbolFile.perfSymbol(at: vaddr) { return (s.name, vaddr &- s.start) }
        // `name@plt` comes from the binary, not from its debug file (PerfPLTSymbols.swift).
        if img.symbolFile !== img.elf, let s = img.elf.perfPLTSymbol(at: vaddr) { return (s.name, vaddr &- s.start) }
        if let f = img.pclntab?.frames(at: vaddr).last { return (f.function, f.offset) }
        return nil
    }

    mutating func symbolize(_ address: UInt64, mapping m: Mapping, exact: Bool, mode: CPUMode) -> [String] {
        symbolizedFrames(address, mapping: m, exact: exact, mode: mode).map(\.name)
    }

    /// `symbolize`'s names, root first, each with the frame it names (nil for a kernel symbol or a
    /// placeholder) and whether it came from symbols (false for a `[binary]` placeholder).
    mutating func symbolizedFrames(_ address: UInt64, mapping m: Mapping, exact: Bool,
                                   mode: CPUMode) -> [(name: String, frame: SourceFrame?, symbols: Bool)] {
        let kernel = m.isKernel
        func unknown() -> [(name: String, frame: SourceFrame?, symbols: Bool)] {
            // As stackcollapse-perf.pl names unknown frames from perf script's dso column.
            // Cut first: basename scans the name, and a 60 KB mapped file name is scanned per address.
            let base = basename(NameLimit.limited(perfDSOName(m)))
            var n = options.includeAddresses ? "[\(base) <\(String(m.fileOffset(of: address), radix: 16))>]" : "[\(base)]"
            if kernel && options.annotateKernel { n += "_[k]" }
            return [(n, nil, false)]
        }
        if kernel {
            guard let k = kernelSymbol(address, mapping: m) else { return unknown() }
            return [(options.annotateKernel ? k.name + "_[k]" : k.name, nil, true)]
        }
        if m.isJITMap {
            guard let j = jitSymbol(address, mapping: m) else { return unknown() }
            return [(j.name, nil, true)]
        }
        guard let img = mappedImage(m), let vaddr = img.elf.virtualAddress(ofFileOffset: m.fileOffset(of: address)) else {
            return unknown()
        }
        if options.elfNames {
            guard let s = elfSymbol(img, vaddr) else { return unknown() }
            return [(options.demangle ? demangledName(s.name) : s.name, nil, true)]
        }
        // File and line only where something prints them (--srcline, location records for pprof and script).
        let lines = options.srcline || options.recordLocations
        var frames = img.frames(at: vaddr, isReturnAddress: !exact, goStyle: !options.keepWrappers, lines: lines)
        if frames.isEmpty { return unknown() }
        if !options.keepWrappers {
            // Go's tracebacks hide the goroutine's goexit frame and physical wrapper frames (gowrap, method values).
            if frames.count == 1, frames[0].function == "runtime.goexit" { return [] }
            if !exact, let w = img.pclntab?.wrapperFuncID, frames.last?.funcID == w, !frames.last!.isInlined {
                frames.removeLast()
                if frames.isEmpty { return [] }
            }
        }
        if !options.inlines, let last = frames.last {
            frames = [SourceFrame(function: last.function, file: frames[0].file, line: frames[0].line, isInlined: false,
                                  startLine: last.startLine)]
        }
        // Innermost first from the symbolizer; folded stacks go root first.
        return frames.reversed().map { f in
            var n = options.displayName(f.function)
            if options.srcline { n += ":\(f.file):\(f.line)" }
            if f.isInlined && options.annotateInline { n += "_[i]" }
            return (n, f, true)
        }
    }


    /// The frames of unique stack `index`, root (process) first.
    public func stackNames(_ index: Int32) -> [String] {
        stacks.stack(Int(index)).map { String(decoding: nameTable.names[Int($0)], as: UTF8.self) }
    }

    /// The unique stacks and names so far, as values the fold goes on without changing (its tables are
    /// copied when next written while these are held).
    public var stackTables: StackTables {
        StackTables(pool: stacks.pool, starts: stacks.starts, counts: stacks.counts, names: nameTable.names)
    }

    /// Sorted `stack count` lines. Stacks whose text coincides (a name holding `;`) are merged.
    public func folded() -> [UInt8] { renderFolded(stacks, names: nameTable.names) }

    /// Sorted `root;stack count` lines for (root, unique stack, weight) entries, `root` indexing `roots`
    /// (e.g. a frame per GC state); lines whose text coincides are merged.
    public func folded(_ entries: [(prefix: Int, stack: Int32, weight: UInt64)], roots: [String]) -> [UInt8] {
        renderFolded(entries, prefixes: roots.map { Array($0.utf8) }, stacks: stacks, names: nameTable.names)
    }
}


/// The dso name perf script prints for a mapping: the binary's path; `[kernel.kallsyms]`; a kernel module as
/// `[name]` (perf's kmod_path__parse_name: `.ko` and a compression suffix dropped, `-` made `_`); or the
/// recorded `[vdso]`-style name. perf 6.1 knows `.ko`, `.ko.gz` and `.ko.xz` as modules; another kernel
/// map of a file (`.ko.zst`, `.ko.bz2`, `foo.o`) is its file name, as checked with perf script.
public func perfDSOName(_ m: Mapping) -> String {
    guard m.isKernel, !m.filename.hasPrefix("[") else { return m.filename }
    var name = basename(m.filename)
    for ext in [".gz", ".xz"] where name.hasSuffix(".ko" + ext) { name.removeLast(ext.count) }
    guard name.hasSuffix(".ko") else { return name }
    name.removeLast(3)
    return "[" + String(name.map { $0 == "-" ? "_" : $0 }) + "]"
}

func basename(_ s: String) -> String {
    if let i = s.utf8.lastIndex(of: 0x2f) { return String(s[s.utf8.index(after: i)...]) }
    return s
}
