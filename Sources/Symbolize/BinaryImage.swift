/// Where `BinaryImage` takes frames from.
public enum SymbolSource: String, Sendable, CaseIterable {
    /// Go's pclntab, then DWARF (cgo and other C code of the binary), then ELF symbols.
    case auto
    /// Only Go's pclntab.
    case pclntab
    /// Only DWARF (through libdw), with the ELF symbol's name where no subprogram covers the address,
    /// as llvm-symbolizer does.
    case dwarf
    /// Only ELF symbols (function name and offset, no file or line).
    case symtab
}

/// A binary to symbolize addresses of: Go's pclntab first, DWARF next, ELF symbols otherwise.
/// Lookups are cached per address; not thread-safe (one worker owns an image and its libdw handle).
public final class BinaryImage {
    public let path: String
    public let elf: ELFFile
    public private(set) lazy var pclntab: GoPclntab? = try? GoPclntab(elf: elf)
    /// DWARF index, opened on first need; nil without debug info.
    public private(set) lazy var dwarf: DwarfIndex? = openDWARF()
    /// Where inflated copies of compressed DWARF are kept between runs; nil: inflated in memory each time.
    /// Set before the first lookup.
    public var debugSectionCache: DebugSectionCache?
    /// What the cache did when DWARF was opened (nil: no cache, or not opened yet).
    public private(set) var debugSectionCacheOutcome: DebugSectionCache.Outcome?
    /// Where to look for a separate debug file when the binary has no `.symtab` or no DWARF; nil: never.
    /// Set before the first lookup.
    public var debugFileSearch: DebugFileSearch?
    /// Why debug files that exist were refused (other build-id, CRC32), naming both files.
    public private(set) var warnings: [String] = []
    /// ELF symbols and DWARF come from here: the separate debug file when one is found (looked up once, on
    /// first need), else the binary. Loaded bytes (address mapping, pclntab) always come from `elf`.
    public private(set) lazy var symbolFile: ELFFile = {
        guard let search = debugFileSearch, !(elf.hasSymtab && elf.hasDWARF) else { return elf }
        let (found, w) = search.find(for: elf)
        warnings += w
        return found ?? elf
    }()
    /// Which tables lookups use; changing it empties the caches.
    public var source: SymbolSource = .auto {
        didSet { clearCache() }
    }
    var cache: [UInt64: [SourceFrame]] = [:]
    var goStyleCache: [UInt64: [SourceFrame]] = [:]
    /// `frames(at:…, lines: false)`'s answers, kept apart from the full ones.
    var namesOnlyCache: [UInt64: [SourceFrame]] = [:]
    var namesOnlyGoStyleCache: [UInt64: [SourceFrame]] = [:]

    public init(path: String, source: SymbolSource = .auto) throws(SymbolizeError) {
        self.path = path
        self.elf = try ELFFile(path: path)
        self.source = source
    }

    public var buildID: String? { elf.buildID }

    /// The DWARF of `symbolFile`, from its inflated copy when the cache has or can write one.
    private func openDWARF() -> DwarfIndex? {
        let f = symbolFile
        guard f.hasDWARF else { return nil }
        if let cache = debugSectionCache {
            let (fd, outcome) = cache.open(for: f)
            debugSectionCacheOutcome = outcome
            if let fd, let d = DwarfIndex(path: f.path, owning: fd) {
                if case .hit(let p) = outcome { d.useUnitListFile(beside: p) }
                if case .written(let p) = outcome { d.useUnitListFile(beside: p) }
                return d
            }
        }
        return DwarfIndex(path: f.path)
    }

    /// Forgets answers already given (the tables stay built): for benchmarks and `source` changes.
    public func clearCache() {
        cache.removeAll(keepingCapacity: true)
        goStyleCache.removeAll(keepingCapacity: true)
        namesOnlyCache.removeAll(keepingCapacity: true)
        namesOnlyGoStyleCache.removeAll(keepingCapacity: true)
    }

    /// Frames at a file virtual address, innermost first. `isReturnAddress`: the address follows a call
    /// (every frame of a stack but the first), so the call instruction at `address - 1` is looked up,
    /// unless `address` is a function entry. `goStyle` hides wrapper frames as Go's tracebacks do.
    /// Without `lines`, frames named from the pclntab or DWARF carry no file and line (empty, 0), and no
    /// line table is decoded for them: for callers that print function names only. The names are the same.
    public func frames(at address: UInt64, isReturnAddress: Bool = false, goStyle: Bool = false,
                       lines: Bool = true) -> [SourceFrame] {
        let pc = lookupAddress(address, isReturnAddress: isReturnAddress)
        if !lines { return namesOnlyFrames(pc, goStyle: goStyle) }
        if goStyle, let cached = goStyleCache[pc] { return cached }
        let raw: [SourceFrame]
        if let cached = cache[pc] {
            raw = cached
        } else {
            raw = lookup(pc)
            cache[pc] = raw
        }
        guard goStyle, let p = pclntab else { return raw }
        let elided = p.elideWrappers(raw)
        goStyleCache[pc] = elided
        return elided
    }

    /// The pclntab node `frames(at: address, isReturnAddress:, lines: false)` names: equal nodes, equal
    /// names (`GoPclntab.frameNode`). Nil where the names come from DWARF, symbols or nothing.
    public func goFrameNode(at address: UInt64, isReturnAddress: Bool) -> GoFrameNode? {
        guard source == .auto || source == .pclntab, let p = pclntab else { return nil }
        return p.frameNode(at: address, isReturnAddress: isReturnAddress)
    }

    /// `frames` without file and line, cached apart: the same lookups, each source asked not to decode
    /// its line tables.
    func namesOnlyFrames(_ pc: UInt64, goStyle: Bool) -> [SourceFrame] {
        if goStyle, let cached = namesOnlyGoStyleCache[pc] { return cached }
        if goStyle, let p = pclntab {
            // Only the elided answer is kept, and the plain cache not asked: a fold asks for one style,
            // and the second table's probe and insert per new address cost as much as the lookup's names.
            let elided = p.elideWrappers(lookup(pc, lines: false))
            namesOnlyGoStyleCache[pc] = elided
            return elided
        }
        if let cached = namesOnlyCache[pc] { return cached }
        let raw = lookup(pc, lines: false)
        namesOnlyCache[pc] = raw
        return raw
    }

    /// The address `frames(at:isReturnAddress:)` looks up: `address - 1` for a return address (the call
    /// instruction) unless it is a function entry. The outermost frame's `offset` is from this address.
    public func lookupAddress(_ address: UInt64, isReturnAddress: Bool) -> UInt64 {
        guard isReturnAddress, address > 0 else { return address }
        let entry = (source != .dwarf && source != .symtab ? pclntab?.functionEntry(address) : nil)
            ?? (source == .dwarf ? dwarf?.functionEntry(address) : nil) ?? symbolFile.symbol(at: address)?.value
        return entry == address ? address : address - 1
    }

    func lookup(_ pc: UInt64, lines: Bool = true) -> [SourceFrame] {
        switch source {
        case .pclntab:
            return pclntab?.frames(at: pc, lines: lines) ?? []
        case .dwarf:
            return dwarfFrames(pc, lines: lines)
        case .symtab:
            return symtabFrames(pc)
        case .auto:
            if let p = pclntab {
                let f = p.frames(at: pc, lines: lines)
                if !f.isEmpty { return f }
            }
            // DWARF only where it has something: elsewhere the ELF symbol alone, as before DWARF was read.
            if dwarf?.frames(at: pc, lines: lines).isEmpty == false { return dwarfFrames(pc, lines: lines) }
            return symtabFrames(pc)
        }
    }

    /// DWARF frames with the outermost named after the symbol holding `pc`, as llvm-symbolizer names it
    /// (`namingSymbol`: `.cold` parts, Go assembly without a subprogram DIE, `.abi0` names), and with that
    /// symbol's STT_FILE name when DWARF has no line; just the symbol when DWARF has nothing for `pc`.
    func dwarfFrames(_ pc: UInt64, lines: Bool = true) -> [SourceFrame] {
        var f = dwarf?.frames(at: pc, lines: lines) ?? []
        guard let s = symbolFile.namingSymbol(at: pc) else {
            if f.last?.function.isEmpty == true { f[f.count - 1].function = "??" }
            return f
        }
        if f.isEmpty { f = [SourceFrame(function: "", file: lines ? "??" : "", line: 0, isInlined: false)] }
        f[f.count - 1].function = s.name
        f[f.count - 1].offset = pc - s.value
        if lines, f[f.count - 1].file == "??", let file = s.file { f[f.count - 1].file = file }
        return f
    }

    func symtabFrames(_ pc: UInt64) -> [SourceFrame] {
        guard let s = symbolFile.symbol(at: pc) else { return [] }
        return [SourceFrame(function: s.name, file: "??", line: 0, isInlined: false, offset: pc - s.value)]
    }
}
