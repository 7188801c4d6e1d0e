import BinaryIO
import PerfData
import Symbolize

#if canImport(Glibc)
import Glibc
#endif

/// Options for folding perf.data directly.
public struct PerfCollapseOptions: Sendable {
    public var includePID = false
    public var includeTID = false
    public var annotateKernel = false
    /// `_[i]` on inlined frames.
    public var annotateInline = false
    public var includeAddresses = false
    /// Show inlined frames (as Go's pprof does); off folds them into their caller.
    public var inlines = true
    /// Names as the linker wrote them (generic shapes kept) instead of runtime.Frame.Function's.
    public var rawNames = false
    /// ELF symbol names, as perf script prints them, instead of Go's pclntab (no inlines).
    public var elfNames = false
    /// Keep wrapper frames and runtime.goexit (Go's tracebacks hide them).
    public var keepWrappers = false
    /// `file:line` in each frame name.
    public var srcline = false
    /// Weight by period (as stackcollapse-perf.pl does) or count samples.
    public var weightByPeriod = true
    public var eventFilter: String?
    public var pids: Set<Int32> = []
    public var tids: Set<Int32> = []
    public var comms: Set<String> = []
    public var cpus: Set<UInt32> = []
    /// Sample time range in ns, as recorded.
    public var timeRange: ClosedRange<UInt64>?
    public var binaries = BinaryLocator()
    /// Kernel symbols in /proc/kallsyms format. Without it, this machine's /proc/kallsyms is used when the
    /// capture's hostname and kernel release are this machine's (the same kernel); else kernel frames stay
    /// `[kernel.kallsyms]`.
    public var kallsyms: String?
    public var useRunningKernel = true
    /// Keep one record per sample (time, thread, stack index) for attribution.
    public var recordSamples = false
    public init() {}
}

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

/// Where binaries named by a capture are found: the recorded path, under a symfs root, or by build-id
/// in `.build-id/xx/yyyy` folders and perf's `~/.debug` cache; then, if set, from debuginfod servers.
public struct BinaryLocator: Sendable {
    public var symfs: String?
    public var buildIDDirs: [String] = []
    /// Folders of binaries in any layout, matched to the capture by build-id (scanned once).
    public var searchDirs: [String] = []
    /// Servers asked by build-id for binaries not found locally. Off (nil) unless set: the library never
    /// reads `DEBUGINFOD_URLS` itself, so tests and embedders stay offline; the command line sets it.
    public var debuginfod: DebuginfodConfig?
    /// Look for separate debug files (`.build-id/ab/cdef….debug`, `.gnu_debuglink`) of binaries without
    /// `.symtab` or DWARF, in `buildIDDirs` and `searchDirs`; `/usr/lib/debug` among `buildIDDirs` is the
    /// global debuglink folder too, and is looked up under `symfs` when set, as perf does.
    public var debugFiles = true
    public init() {}

    /// Where debug files are looked for; `scannedDebugFiles`: debug-only files found in `searchDirs`.
    public func debugFileSearch(scannedDebugFiles: [String: String] = [:]) -> DebugFileSearch {
        let system = "/usr/lib/debug"
        let dirs = buildIDDirs.map { $0 == system ? (symfs ?? "") + system : $0 }
        let global = buildIDDirs.contains(system) ? [(symfs ?? "") + system] : []
        return DebugFileSearch(buildIDDirs: dirs, byBuildID: scannedDebugFiles, globalDirs: global, root: symfs)
    }

    public func candidates(path: String, buildID: String?) -> [String] {
        var out: [String] = []
        // The recorded name is the capture's: normalised and kept inside the root, symlinks included.
        if let symfs, let p = ConfinedPath.join(root: symfs, path) { out.append(p) }
        if let id = buildID, ConfinedPath.isBuildID(id) {
            let head = String(id.prefix(2)), tail = String(id.dropFirst(2))
            for d in buildIDDirs {
                out.append("\(d)/.build-id/\(head)/\(tail)")
                out.append("\(d)/.build-id/\(head)/\(tail).debug")
                out.append("\(d)/\(head)/\(tail)")
                // perf's cache: ~/.debug/.build-id/ab/cdef…/elf
                out.append("\(d)/.build-id/\(head)/\(tail)/elf")
            }
        }
        if symfs == nil { out.append(path) }
        return out
    }

    /// perf's copy of a process's `[vdso]`, kept by build-id in its cache (`~/.debug/.build-id/ab/cdef…/vdso`).
    public func vdsoCandidates(buildID: String?) -> [String] {
        guard let id = buildID, ConfinedPath.isBuildID(id) else { return [] }
        let head = String(id.prefix(2)), tail = String(id.dropFirst(2))
        return buildIDDirs.map { "\($0)/.build-id/\(head)/\(tail)/vdso" }
    }
}

/// Folds a perf.data capture into symbolized stacks. Callchains are interned as integers first,
/// each unique (mapping, address) is symbolized once, and strings are built only for unique stacks.
public struct PerfCollapser {
    public let options: PerfCollapseOptions
    public internal(set) var warnings: [String] = []
    public private(set) var samples = 0
    public private(set) var skippedSamples = 0
    public private(set) var sampleRecords: [FoldedSample] = []

    var images: [String: BinaryImage?] = [:]
    /// build-id -> path and file name -> path, from `searchDirs`, built on first need.
    var scanned: (byID: [String: String], byName: [String: String], debugByID: [String: String])?
    /// Per unique (mapping id, address, exact): the folded names, root first.
    var frameNames: [FrameKey: [UInt32]] = [:]
    var nameTable = NameTable()
    var stacks = StackCounter()
    var warnedMismatch: Set<String> = []
    /// Created on the first binary not found locally, when debuginfod servers are configured.
    var debuginfod: DebuginfodClient?
    /// Build-ids whose debuginfod failure was already warned about.
    var warnedDebuginfod: Set<String> = []
    var kernelSymbols: (any KernelSymbolLookup)?
    var kernelTextAddress: UInt64?

    /// Where kernel symbols come from, decided per capture; read on the first kernel frame.
    var kallsymsPath: String?
    var kallsymsTried = false
    /// Why this machine's kallsyms was not used; warned on the first kernel frame.
    var kernelNote: String?

    mutating func loadKernelSymbols(_ file: PerfFile) {
        kallsymsTried = false
        kernelSymbols = nil
        kernelTextAddress = nil
        kernelNote = nil
        var path = options.kallsyms
        if path == nil, options.useRunningKernel, let host = file.features.hostname, let rel = file.features.osRelease {
            var u = utsname()
            uname(&u)
            let mine = withUnsafeBytes(of: &u.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let recorded = file.features.buildIDs.first { $0.filename.hasPrefix("[kernel.kallsyms]") }?.buildID
            let running = (try? MappedFile(path: "/sys/kernel/notes")).flatMap { Self.gnuBuildID(notes: $0.bytes) }
            if Self.capturedOnRunningKernel(host: host, release: rel, buildID: recorded,
                                            runningHost: mine, runningRelease: release, runningBuildID: running) {
                path = "/proc/kallsyms"
            } else {
                let id = recorded.map { ", build-id \($0)" } ?? ""
                kernelNote = "kernel frames stay [unknown]: the capture was made on \(host) (kernel \(rel)\(id)), not on this kernel; "
                    + "pass --kallsyms with a copy of /proc/kallsyms from there"
            }
        }
        kallsymsPath = path
    }

    /// Whether this machine's /proc/kallsyms names a capture's kernel frames: same host name and kernel
    /// release, and, when both are known, the same kernel build-id (as perf checks /sys/kernel/notes):
    /// hosts are often all called `localhost` and distribution kernels share releases across builds.
    static func capturedOnRunningKernel(host: String, release: String, buildID: String?,
                                        runningHost: String, runningRelease: String, runningBuildID: String?) -> Bool {
        guard host == runningHost, release == runningRelease else { return false }
        if let a = buildID, let b = runningBuildID { return a == b }
        return true
    }

    /// The GNU build-id in an ELF note section's bytes (`/sys/kernel/notes` holds the running kernel's).
    static func gnuBuildID(notes: UnsafeRawBufferPointer) -> String? {
        var c = ByteCursor(notes)
        while c.remaining >= 12 {
            guard let nameSize = try? c.u32(), let descSize = try? c.u32(), let type = try? c.u32() else { return nil }
            let nameEnd = (Int(nameSize) + 3) & ~3, descEnd = (Int(descSize) + 3) & ~3
            guard nameEnd <= c.remaining else { return nil }
            let name = (try? c.bytes(Int(nameSize))).map { Array($0) } ?? []
            try? c.skip(nameEnd - Int(nameSize))
            guard descEnd <= c.remaining, let desc = try? c.bytes(Int(descSize)) else { return nil }
            try? c.skip(descEnd - Int(descSize))
            if type == 3, name == Array("GNU\0".utf8), !desc.isEmpty {
                return desc.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            }
        }
        return nil
    }

    mutating func kernelSymbolTable() -> (any KernelSymbolLookup)? {
        if kallsymsTried { return kernelSymbols }
        kallsymsTried = true
        guard let path = kallsymsPath else {
            if let note = kernelNote { warnings.append(note) }
            return nil
        }
        let ks: (any KernelSymbolLookup)?
        if path == "/proc/kallsyms" {
            ks = Self.runningKernelSymbols()
        } else {
            ks = (try? MappedFile(path: path)).flatMap { KernelSymbols(bytes: $0.bytes) }
        }
        guard let ks else {
            warnings.append("\(path): no kernel text symbols read; kernel frames stay [kernel.kallsyms]")
            return nil
        }
        kernelSymbols = ks
        return ks
    }

    /// This machine's kernel symbols. The kernel formats /proc/kallsyms on every read (65 ms here, a third
    /// of folding a 466k-sample capture), so a copy is kept per boot and module set, as perf keeps ~/.debug.
    static func runningKernelSymbols() -> (any KernelSymbolLookup)? {
        func read(_ p: String) -> [UInt8]? { (try? MappedFile(path: p)).map { Array($0.bytes) } }
        let boot = read("/proc/sys/kernel/random/boot_id").map { String(decoding: $0, as: UTF8.self).filter { $0.isHexDigit || $0 == "-" } }
        var cacheFile: String?
        if let boot, !boot.isEmpty {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in read("/proc/modules") ?? [] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            let home = getenv("XDG_CACHE_HOME").map { String(cString: $0) } ?? (getenv("HOME").map { String(cString: $0) + "/.cache" } ?? "")
            if !home.isEmpty { cacheFile = "\(home)/stackfold/kallsyms-\(boot)-\(String(h, radix: 16)).txt" }
        }
        if let c = cacheFile, let ks = SortedKernelSymbols(path: c) { return ks }
        guard let raw = read("/proc/kallsyms") else { return nil }
        guard let ks = raw.withUnsafeBytes({ KernelSymbols(bytes: $0) }) else { return nil }
        if let c = cacheFile {
            // Best effort: a cache that cannot be written only costs the next run the read.
            let dir = String(c[..<c.lastIndex(of: "/")!])
            mkdir(String(dir[..<dir.lastIndex(of: "/")!]), 0o755)
            mkdir(dir, 0o755)
            let tmp = c + ".\(getpid())"
            let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let text = ks.textLines()
                let ok = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
                close(fd)
                if !ok || rename(tmp, c) != 0 { unlink(tmp) }
            }
        }
        return ks
    }

    struct FrameKey: Hashable {
        var mapping: Int
        var address: UInt64
        var exact: Bool
    }

    /// Per (pid, address, exact, mode): the names, without looking up the mapping again. Cleared when maps change.
    var sampleFrames = FrameRunCache()
    var modes: [UInt16] = []
    /// Root frame's name id per thread; cleared when a comm changes. An integer map: Dictionary hashed each
    /// sample's tid with SipHash.
    var roots = IntMap<UInt32>()
    var lastRoot: (tid: Int32, id: UInt32) = (0, .max)

    public init(options: PerfCollapseOptions) { self.options = options }

    /// The fewest bytes of perf.data a sample takes, for reserving `sampleRecords` (tests raise it, so
    /// that the array grows as it would for a compressed capture).
    nonisolated(unsafe) public static var bytesPerRecordedSample = 48

    mutating func intern(_ s: String) -> UInt32 { nameTable.intern(Array(s.utf8)) }

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
        var model = ProcessModel(file: file)
        var it = file.orderedRecords()
        var scratch = FrameScratch()
        let filterEvent = options.eventFilter ?? file.events.first?.name
        if options.recordSamples {
            // Room for as many samples as the data could hold (a sample takes at least 48 bytes with the
            // fields alignment needs): pages never written are never faulted in, where growing the array
            // copied it and faulted in every page again at each doubling.
            sampleRecords.reserveCapacity(sampleRecords.count + file.file.bytes.count / Self.bytesPerRecordedSample)
            adviseHugePages(&sampleRecords)
        }
        while let rec = it.next() {
            guard rec.type == .sample else {
                model.process(rec, in: file)
                switch rec.type {
                case .mmap, .mmap2, .fork: sampleFrames.removeAll()
                case .comm:
                    sampleFrames.removeAll()
                    roots = IntMap()
                    lastRoot = (0, .max)
                default: break
                }
                continue
            }
            let s = try file.sample(rec)
            if file.events.count > 1, file.events[s.eventIndex].name != filterEvent { continue }
            if !options.pids.isEmpty, !options.pids.contains(s.pid) { continue }
            if !options.tids.isEmpty, !options.tids.contains(s.tid) { continue }
            if !options.cpus.isEmpty, !options.cpus.contains(s.cpu) { continue }
            if let r = options.timeRange, !r.contains(s.time) { continue }
            if !options.comms.isEmpty, !options.comms.contains(model.comm(tid: s.tid)) { continue }
            samples += 1
            scratch.removeAll()
            if s.tid == lastRoot.tid, lastRoot.id != .max {
                scratch.append(lastRoot.id)
            } else if let r = roots[Int64(s.tid)] {
                lastRoot = (s.tid, r)
                scratch.append(r)
            } else {
                var root = String(model.comm(tid: s.tid).map { $0 == " " ? "_" : $0 })
                if options.includeTID { root += "-\(s.pid)/\(s.tid)" } else if options.includePID { root += "-\(s.pid)" }
                let id = intern(root)
                roots[Int64(s.tid)] = id
                lastRoot = (s.tid, id)
                scratch.append(id)
            }
            // Leaf first in the sample; folded stacks are root first: walk the chain backwards.
            var mode = s.cpuMode
            let chain = s.callchain
            if chain.isEmpty {
                appendNames(for: s.ip, mode: mode, exact: true, pid: s.pid, model: model, to: &scratch)
            } else {
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
                while i >= 0 {
                    let m = modes[i]
                    if m != 0xffff {
                        appendNames(for: chain[i], mode: CPUMode(rawValue: m & 0xff), exact: m & 0x100 != 0, pid: s.pid, model: model, to: &scratch)
                    }
                    i -= 1
                }
            }
            let weight = options.weightByPeriod ? max(s.period, 1) : 1
            let index = scratch.withIDs { stacks.add($0, weight: weight) }
            if options.recordSamples {
                sampleRecords.append(FoldedSample(time: s.time, weight: weight, pid: s.pid, tid: s.tid, cpu: s.cpu, stack: Int32(index)))
                if sampleRecords.count == nextProgress {
                    progress(self)
                    nextProgress = step < Int.max - nextProgress ? nextProgress + step : .max
                }
            }
        }
        if let e = it.error { throw e }
        for w in file.warnings where !warnings.contains(w) { warnings.append(w) }
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
    }

    /// The names one callchain entry folds to, root first (an inlined chain gives several).
    mutating func names(for address: UInt64, mode: CPUMode, exact: Bool, pid: Int32, model: ProcessModel) -> [UInt32] {
        // perf's callchains end in 0 and sometimes in garbage past the outermost frame; perf prints these
        // as [unknown] frames too, so they are kept.
        guard let m = model.mapping(pid: pid, address: address, mode: mode) else {
            let name = options.includeAddresses ? "[unknown <\(String(address, radix: 16))>]" : "[unknown]"
            return [intern(name)]
        }
        let key = FrameKey(mapping: m.id, address: address, exact: exact)
        if let cached = frameNames[key] { return cached }
        let result = symbolize(address, mapping: m, exact: exact, mode: mode).map { intern($0) }
        frameNames[key] = result
        return result
    }

    mutating func image(for m: Mapping) -> BinaryImage? {
        // Keyed by build-id too: a path rebuilt during the capture is two binaries.
        let key = m.buildID.map { m.filename + "\u{0}" + $0 } ?? m.filename
        if let cached = images[key] { return cached }
        var found: BinaryImage?
        if m.filename == "[vdso]" {
            for path in options.binaries.vdsoCandidates(buildID: m.buildID) {
                if let img = try? BinaryImage(path: path), img.buildID == m.buildID { found = img; break }
            }
        } else if !m.filename.hasPrefix("[") {
            for path in options.binaries.candidates(path: m.filename, buildID: m.buildID) {
                // A debug-only file (a -dbg package's .build-id/ab/cdef….debug) has no code: it is found below.
                guard let img = try? BinaryImage(path: path), !img.elf.isDebugOnly else { continue }
                if accepts(img, for: m) { found = img; break }
            }
            if found == nil, !options.binaries.searchDirs.isEmpty {
                if scanned == nil { scanned = Self.scan(options.binaries.searchDirs) }
                // By build-id; by file name only when the capture recorded none (Go < 1.22 writes no GNU build-id).
                if let id = m.buildID {
                    if let path = scanned?.byID[id] { found = try? BinaryImage(path: path) }
                } else if let path = scanned?.byName[basename(m.filename)], let img = try? BinaryImage(path: path), accepts(img, for: m) {
                    found = img
                }
            }
            if found == nil, let id = m.buildID { found = fetchFromDebuginfod(buildID: id, for: m) }
            if let img = found { attachDebugFile(img) }
        }
        images[key] = .some(found)
        return found
    }

    /// Finds the separate debug file of a binary without `.symtab` or DWARF. Done here, once per image and
    /// before its first symbol lookup (an image is opened for the first frame of its mapping), so refusals
    /// are warned in order with the others.
    mutating func attachDebugFile(_ img: BinaryImage) {
        guard options.binaries.debugFiles, !(img.elf.hasSymtab && img.elf.hasDWARF) else { return }
        if scanned == nil, !options.binaries.searchDirs.isEmpty { scanned = Self.scan(options.binaries.searchDirs) }
        img.debugFileSearch = options.binaries.debugFileSearch(scannedDebugFiles: scanned?.debugByID ?? [:])
        _ = img.symbolFile
        warnings += img.warnings
    }

    /// A binary is used only when its build-id is the capture's (when the capture recorded one): another
    /// build would name frames wrongly without any sign of it. Refusals are warned once per path.
    mutating func accepts(_ img: BinaryImage, for m: Mapping) -> Bool {
        guard let want = m.buildID, img.buildID != want else { return true }
        if warnedMismatch.insert(img.path).inserted {
            let have = img.buildID.map { "build-id \($0)" } ?? "no build-id"
            warnings.append("\(img.path): \(have) does not match the capture's build-id \(want) for \(m.filename); not used")
        }
        return false
    }

    /// The binary from the debuginfod servers, when configured; one request per build-id per collapser.
    mutating func fetchFromDebuginfod(buildID id: String, for m: Mapping) -> BinaryImage? {
        guard let config = options.binaries.debuginfod, !config.urls.isEmpty else { return nil }
        if debuginfod == nil { debuginfod = DebuginfodClient(config: config) }
        guard let client = debuginfod else {
            if warnedDebuginfod.insert("").inserted {
                let why = DebuginfodClient.unavailable.map(\.description) ?? "libdebuginfod could not start a client"
                warnings.append("debuginfod: \(why); binaries are looked up locally only")
            }
            return nil
        }
        let first = client.findExecutable(buildID: id)
        let seen = !warnedDebuginfod.insert(id).inserted
        switch first {
        case .failure(let e):
            if !seen { warnings.append("\(m.filename): not found locally; \(e); its frames stay unnamed ([\(basename(m.filename))])") }
            return nil
        case .success(let path):
            let img: BinaryImage
            do { img = try BinaryImage(path: path) } catch {
                if !seen { warnings.append("\(m.filename): debuginfod gave build-id \(id) as \(path), which cannot be read: \(error)") }
                return nil
            }
            // The server is trusted no more than a local file.
            return accepts(img, for: m) ? img : nil
        }
    }

    /// A kernel frame's symbol and offset from kallsyms; nil without kallsyms or without a symbol there.
    mutating func kernelSymbol(_ address: UInt64, mapping m: Mapping) -> (name: String, offset: UInt64)? {
        guard let ks = kernelSymbolTable() else { return nil }
        // perf's kernel map starts at _text as it was in memory; kallsyms says where _text was for its boot.
        var reloc: UInt64 = 0
        if m.filename.hasPrefix("[kernel.kallsyms]") {
            if kernelTextAddress == nil { kernelTextAddress = ks.address(of: "_text") ?? 0 }
            if let text = kernelTextAddress, text != 0 { reloc = m.pageOffset &- text }
        }
        guard let s = ks.symbolAndStart(at: address &- reloc) else { return nil }
        // The symbol must lie in the address's own map, on the same side of its end: else it is the last
        // symbol before a module or region kallsyms does not cover, and its name would be wrong.
        let start = s.start &+ reloc
        guard start >= m.start, (start < m.end) == (address < m.end) else { return nil }
        return (s.name, address &- start)
    }

    /// The function perf script names at file virtual address `vaddr` and the offset into it: the ELF symbol
    /// holding the address itself; for a stripped Go binary (perf's `[unknown]`), the pclntab's function.
    func elfSymbol(_ img: BinaryImage, _ vaddr: UInt64) -> (name: String, offset: UInt64)? {
        if let s = img.symbolFile.symbol(at: vaddr) { return (s.name, vaddr - s.value) }
        if let f = img.pclntab?.frames(at: vaddr).last { return (f.function, f.offset) }
        return nil
    }

    mutating func symbolize(_ address: UInt64, mapping m: Mapping, exact: Bool, mode: CPUMode) -> [String] {
        let kernel = m.isKernel
        // As stackcollapse-perf.pl names unknown frames from perf script's dso column.
        let base = basename(perfDSOName(m))
        func unknown() -> [String] {
            var n = options.includeAddresses ? "[\(base) <\(String(m.fileOffset(of: address), radix: 16))>]" : "[\(base)]"
            if kernel && options.annotateKernel { n += "_[k]" }
            return [n]
        }
        if kernel {
            guard let k = kernelSymbol(address, mapping: m) else { return unknown() }
            return [options.annotateKernel ? k.name + "_[k]" : k.name]
        }
        guard let img = image(for: m), let vaddr = img.elf.virtualAddress(ofFileOffset: m.fileOffset(of: address)) else {
            return unknown()
        }
        if options.elfNames {
            guard let s = elfSymbol(img, vaddr) else { return unknown() }
            return [s.name]
        }
        var frames = img.frames(at: vaddr, isReturnAddress: !exact, goStyle: !options.keepWrappers)
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
            frames = [SourceFrame(function: last.function, file: frames[0].file, line: frames[0].line, isInlined: false)]
        }
        // Innermost first from the symbolizer; folded stacks go root first.
        return frames.reversed().map { f in
            var n = options.rawNames ? f.function : goPrintName(f.function)
            if options.srcline { n += ":\(f.file):\(f.line)" }
            if f.isInlined && options.annotateInline { n += "_[i]" }
            return n
        }
    }

    /// build-ids of the ELF files under `dirs` (recursively), for finding binaries copied off a host.
    /// Debug-only files (no code) are kept apart, by build-id, for `DebugFileSearch`.
    static func scan(_ dirs: [String]) -> (byID: [String: String], byName: [String: String], debugByID: [String: String]) {
        var out: [String: String] = [:]
        var byName: [String: String] = [:]
        var debugByID: [String: String] = [:]
        var pending = dirs
        var visited = 0
        while let dir = pending.popLast(), visited < 100_000 {
            guard let d = opendir(dir) else { continue }
            defer { closedir(d) }
            while let e = readdir(d) {
                visited += 1
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." { continue }
                let path = dir + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { pending.append(path); continue }
                guard (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 64 else { continue }
                guard let elf = try? ELFFile(path: path) else { continue }
                if elf.isDebugOnly {
                    // The first in path order, as below.
                    if let id = elf.buildID, debugByID[id].map({ path < $0 }) ?? true { debugByID[id] = path }
                    continue
                }
                if let id = elf.buildID, out[id] == nil { out[id] = path }
                // The first in path order, so the choice does not depend on directory order.
                if let old = byName[name], old < path { continue }
                byName[name] = path
            }
        }
        return (out, byName, debugByID)
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
/// recorded `[vdso]`-style name.
public func perfDSOName(_ m: Mapping) -> String {
    guard m.isKernel, !m.filename.hasPrefix("[") else { return m.filename }
    var name = basename(m.filename)
    for ext in [".gz", ".xz", ".zst", ".bz2", ".lzma"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
    if name.hasSuffix(".ko") { name.removeLast(3) }
    return "[" + String(name.map { $0 == "-" ? "_" : $0 }) + "]"
}

func basename(_ s: String) -> String {
    if let i = s.lastIndex(of: "/") { return String(s[s.index(after: i)...]) }
    return s
}
