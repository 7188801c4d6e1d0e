/// A binary to symbolize addresses of: Go's pclntab first, ELF symbols otherwise.
/// Lookups are cached per address; not thread-safe (one worker owns an image).
public final class BinaryImage {
    public let path: String
    public let elf: ELFFile
    public private(set) lazy var pclntab: GoPclntab? = try? GoPclntab(elf: elf)
    var cache: [UInt64: [SourceFrame]] = [:]
    var goStyleCache: [UInt64: [SourceFrame]] = [:]

    public init(path: String) throws(SymbolizeError) {
        self.path = path
        self.elf = try ELFFile(path: path)
    }

    public var buildID: String? { elf.buildID }

    /// Frames at a file virtual address, innermost first. `isReturnAddress`: the address follows a call
    /// (every frame of a stack but the first), so the call instruction at `address - 1` is looked up,
    /// unless `address` is a function entry. `goStyle` hides wrapper frames as Go's tracebacks do.
    public func frames(at address: UInt64, isReturnAddress: Bool = false, goStyle: Bool = false) -> [SourceFrame] {
        var pc = address
        if isReturnAddress, pc > 0 {
            let entry = pclntab?.functionEntry(pc) ?? elf.symbol(at: pc)?.value
            if entry != pc { pc -= 1 }
        }
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

    func lookup(_ pc: UInt64) -> [SourceFrame] {
        if let p = pclntab {
            let f = p.frames(at: pc)
            if !f.isEmpty { return f }
        }
        if let s = elf.symbol(at: pc) {
            return [SourceFrame(function: s.name, file: "??", line: 0, isInlined: false, offset: pc - s.value)]
        }
        return []
    }
}
