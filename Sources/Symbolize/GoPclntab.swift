import BinaryIO
#if canImport(Glibc)
import Glibc
#endif

/// One logical frame: function, file, line; inlined frames come before the function they are inlined into.
public struct SourceFrame: Sendable, Equatable, Hashable {
    public var function: String
    public var file: String
    public var line: Int
    public var isInlined: Bool
    /// Go's FuncID (numbering depends on the Go version; see `GoPclntab.wrapperFuncID`).
    public var funcID: UInt8
    /// Offset of the address from the start of the physical function (0 for inlined frames).
    public var offset: UInt64
    /// Line of the function's start (its `func` keyword, DW_AT_decl_line); 0 when the binary does not say.
    public var startLine: Int

    public init(function: String, file: String, line: Int, isInlined: Bool, funcID: UInt8 = 0, offset: UInt64 = 0,
                startLine: Int = 0) {
        self.function = function
        self.file = file
        self.line = line
        self.isInlined = isInlined
        self.funcID = funcID
        self.offset = offset
        self.startLine = startLine
    }
}

/// Go's `.gopclntab` (Go 1.18 to 1.27: magics 0xfffffff0 and 0xfffffff1), read in Swift: functions, files,
/// lines and inlined frames, as the Go runtime itself computes them. Present in stripped binaries.
public final class GoPclntab: @unchecked Sendable {
    public let elf: ELFFile
    /// The Go release that built the binary (`go1.25.5`), from `.go.buildinfo`; nil when absent.
    public let goVersion: String?
    /// 25 for `go1.25.5` (parsed once: lookups ask for it per address).
    let goMinor: Int?
    let table: UnsafeRawBufferPointer
    let order: ByteOrder
    let magic: UInt32
    let quantum: UInt64
    let ptrSize: Int
    let nfunc: Int
    public let textStart: UInt64
    let funcnametab: Int, cutab: Int, filetab: Int, pctab: Int, functab: Int
    let funcSize: Int
    /// Address of `go:func.*`, the base of funcdata offsets (inline trees).
    let goFunc: UInt64?

    /// Reads the pclntab of `elf`; nil when the binary has none (not Go, or too old a Go).
    public init?(elf: ELFFile) throws(SymbolizeError) {
        self.elf = elf
        order = elf.order
        goVersion = GoPclntab.buildVersion(elf)
        goMinor = GoPclntab.minor(goVersion)
        guard let (address, bytes, fileOffset) = GoPclntab.locate(elf) else { return nil }
        table = bytes
        var c = ByteCursor(bytes, origin: Int(fileOffset), order: order)
        do throws(ReadError) {
            magic = try c.u32("pclntab magic")
            guard magic == 0xffff_fff1 || magic == 0xffff_fff0 else {
                throw c.error(
                    "pclntab magic",
                    "0x\(String(magic, radix: 16)) is not a Go 1.18+ pclntab (0xfffffff0 or 0xfffffff1)")
            }
            try c.skip(2)
            quantum = UInt64(try c.u8("pclntab quantum"))
            ptrSize = Int(try c.u8("pclntab ptrSize"))
            guard ptrSize == 8 || ptrSize == 4 else {
                throw c.error("pclntab ptrSize", "\(ptrSize) is neither 4 nor 8")
            }
            nfunc = Int(clamping: try c.word(size: ptrSize, "nfunc"))
            _ = try c.word(size: ptrSize, "nfiles")
            let headerText = try c.word(size: ptrSize, "textStart")
            funcnametab = Int(clamping: try c.word(size: ptrSize, "funcnameOffset"))
            cutab = Int(clamping: try c.word(size: ptrSize, "cuOffset"))
            filetab = Int(clamping: try c.word(size: ptrSize, "filetabOffset"))
            pctab = Int(clamping: try c.word(size: ptrSize, "pctabOffset"))
            functab = Int(clamping: try c.word(size: ptrSize, "pclnOffset"))
            for (name, off) in [
                ("funcnametab", funcnametab), ("cutab", cutab), ("filetab", filetab), ("pctab", pctab),
                ("functab", functab)
            ]
            where off < 0 || off > bytes.count {
                throw c.error(name, "offset \(off) is outside the \(bytes.count)-byte table")
            }
            guard nfunc >= 0, nfunc < bytes.count / 8, functab + (2 * nfunc + 1) * 4 <= bytes.count else {
                throw c.error("nfunc", "\(nfunc) functions do not fit in the table")
            }
            funcSize = magic == 0xffff_fff1 ? 44 : 40
            let module = GoPclntab.moduledata(
                elf, pcHeader: address, funcnameOffset: UInt64(funcnametab), ptrSize: ptrSize)
            // runtime.text: the symbol, else moduledata.text, else the header (Go <= 1.25), else .text.
            if let t = elf.symbolValue("runtime.text") {
                textStart = t
            } else if let m = module, let t = GoPclntab.word(elf, m &+ 22 * UInt64(ptrSize), ptrSize) {
                textStart = t
            } else if headerText != 0 {
                textStart = headerText
            } else {
                textStart = elf.section(named: ".text")?.address ?? 0
            }
            if let g = elf.symbolValue("go:func.*") ?? elf.symbolValue("go.func.*") {
                goFunc = g
            } else if let m = module {
                let index: UInt64 = goMinor.map { $0 >= 27 ? 43 : ($0 >= 20 ? 40 : 38) } ?? 40
                goFunc = GoPclntab.word(elf, m &+ index * UInt64(ptrSize), ptrSize)
            } else {
                goFunc = nil
            }
        } catch {
            throw SymbolizeError(path: elf.path, error)
        }
    }

    // MARK: locating things

    /// The pclntab's address, bytes and file offset: its own section, else (an externally linked PIE puts it
    /// inside `.data.rel.ro`, without a section of its own) `runtime.pclntab` to `runtime.epclntab`, else
    /// (that PIE stripped) a pcHeader found by its magic whose moduledata points back at it.
    static func locate(_ elf: ELFFile) -> (UInt64, UnsafeRawBufferPointer, UInt64)? {
        if let sec = elf.section(named: ".gopclntab") ?? elf.section(named: ".data.rel.ro.gopclntab"),
            let b = elf.bytes(of: sec)
        {
            return (sec.address, b, sec.offset)
        }
        if let start = elf.symbolValue("runtime.pclntab"), let end = elf.symbolValue("runtime.epclntab"), end > start,
           end - start < UInt64(elf.file.count), let off = elf.fileOffset(ofVirtualAddress: start),
           let b = elf.read(virtualAddress: start, count: Int(end - start)) {
            return (start, b, off)
        }
        return searchHeader(elf)
    }

    /// A pcHeader in the file's non-executable PT_LOAD segments (8-aligned: magic, two zero bytes, quantum,
    /// pointer size), accepted only if some moduledata starts with it: its size is then that moduledata's
    /// `pclntable` (the table's last part) end.
    static func searchHeader(_ elf: ELFFile) -> (UInt64, UnsafeRawBufferPointer, UInt64)? {
        for seg in elf.segments where seg.type == 1 && !seg.isExecutable {
            guard seg.offset <= UInt64(elf.file.count), seg.fileSize <= UInt64(elf.file.count) - seg.offset else {
                continue
            }
            let b = UnsafeRawBufferPointer(rebasing: elf.file.bytes[Int(seg.offset)..<Int(seg.offset + seg.fileSize)])
            // "magic | 1 == 0xfffffff1" in the file's order, tested on the word as loaded: the scan of a
            // library with no pclntab (every cgo capture's libc) was ~12 instructions a word.
            let (bit, want): (UInt32, UInt32) = elf.order == .host ? (1, 0xffff_fff1) : (0x0100_0000, 0xf1ff_ffff)
            var next = 0
            let last = b.count &- 64
            while next <= last {
                let i = next
                next &+= 8
                guard b.loadUnaligned(fromByteOffset: i, as: UInt32.self) | bit == want else { continue }
                guard b[i + 4] == 0, b[i + 5] == 0,
                      [1, 2, 4].contains(b[i + 6]), b[i + 7] == 8 || b[i + 7] == 4 else { continue }
                let ptrSize = Int(b[i + 7])
                var c = ByteCursor(UnsafeRawBufferPointer(rebasing: b[(i + 8)...]), order: elf.order)
                guard let words = try? (0..<8).map({ _ throws(ReadError) in try c.word(size: ptrSize) }) else {
                    continue
                }
                let address = seg.vaddr &+ UInt64(i)
                guard let m = moduledata(elf, pcHeader: address, funcnameOffset: words[3], ptrSize: ptrSize),
                      let count = word(elf, m &+ 14 * UInt64(ptrSize), ptrSize),
                      words[7] <= UInt64(b.count - i), count <= UInt64(b.count - i) - words[7] else { continue }
                let size = Int(words[7] + count)
                return (address, UnsafeRawBufferPointer(rebasing: b[i..<(i + size)]), seg.offset + UInt64(i))
            }
        }
        return nil
    }

    static func word(_ elf: ELFFile, _ addr: UInt64, _ size: Int) -> UInt64? {
        elf.word(atVirtualAddress: addr, size: size)
    }

    /// `runtime.firstmoduledata`: the `.go.module` section (Go 1.26+), else the writable data that starts
    /// with {pcHeader, pcHeader + funcnameOffset} (its first word and the funcnametab slice's data), as
    /// loaded (relocated), in the sections it may be in or, without section headers, any writable segment.
    static func moduledata(_ elf: ELFFile, pcHeader: UInt64, funcnameOffset: UInt64, ptrSize: Int) -> UInt64? {
        if let s = elf.section(named: ".go.module") { return s.address }
        let named = [".noptrdata", ".data", ".data.rel.ro"].compactMap { elf.section(named: $0) }.filter {
            $0.type != 8
        }.map { ($0.address, $0.offset, $0.size) }
        let areas =
            !elf.sections.isEmpty
            ? named
            : elf.segments.filter { $0.type == 1 && $0.flags & 2 != 0 }.map { ($0.vaddr, $0.offset, $0.fileSize) }
        let relocs = elf.relativeRelocations
        for (address, offset, size) in areas {
            guard offset <= UInt64(elf.file.count), size <= UInt64(elf.file.count) - offset else { continue }
            let b = UnsafeRawBufferPointer(rebasing: elf.file.bytes[Int(offset)..<Int(offset + size)])
            var i = 0
            while i + 2 * ptrSize <= b.count {
                var c = ByteCursor(UnsafeRawBufferPointer(rebasing: b[i..<(i + 2 * ptrSize)]), order: elf.order)
                let a = address &+ UInt64(i)
                if let r0 = try? c.word(size: ptrSize), relocs[a] ?? r0 == pcHeader,
                    let r1 = try? c.word(size: ptrSize),
                    relocs[a &+ UInt64(ptrSize)] ?? r1 == pcHeader &+ funcnameOffset
                {
                    return a
                }
                i += ptrSize
            }
        }
        return nil
    }

    /// The Go version string from `.go.buildinfo` (inline-string format, Go 1.18+).
    static func buildVersion(_ elf: ELFFile) -> String? {
        guard let s = elf.section(named: ".go.buildinfo"), let b = elf.bytes(of: s), b.count > 33 else { return nil }
        let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)
        guard b.prefix(14).elementsEqual(magic), b[15] & 2 != 0 else { return nil }
        var c = ByteCursor(UnsafeRawBufferPointer(rebasing: b[32...]), order: elf.order)
        guard let n = try? c.uleb128(), n < 64, let v = try? c.bytes(Int(n)) else { return nil }
        return String(decoding: v, as: UTF8.self)
    }

    /// 25 for `go1.25.5`.
    static func minor(_ v: String?) -> Int? {
        guard let v, v.hasPrefix("go1.") else { return nil }
        return Int(v.dropFirst(4).prefix { $0.isNumber })
    }

    /// FuncID of wrapper functions (method values, gowrap, ABI wrappers), which moves between releases.
    public var wrapperFuncID: UInt8? {
        guard let m = goMinor else { return nil }
        if m >= 25 { return 23 }
        if m >= 22 { return 22 }
        return 21
    }

    // MARK: lookups

    @inline(__always) func u32(_ off: Int) -> UInt32? {
        guard off >= 0, off + 4 <= table.count else { return nil }
        let v = table.loadUnaligned(fromByteOffset: off, as: UInt32.self)
        return order == .host ? v : v.byteSwapped
    }

    func cstr(_ off: Int) -> String {
        guard off >= 0, off < table.count, let base = table.baseAddress else { return "?" }
        // memchr: a per-byte search through the generic Collection API was a third of a names-only lookup.
        let n = table.count &- off
        let end = memchr(base + off, 0, n).map { base.distance(to: UnsafeRawPointer($0)) &- off } ?? n
        return String(decoding: UnsafeRawBufferPointer(start: base + off, count: end), as: UTF8.self)
    }

    /// The function holding `pc`: (entry, offset of its `_func` in the table).
    func findFunc(_ pc: UInt64) -> (entry: UInt64, f: Int)? {
        // `funcBounds` probes as the generic search did (the same answer in an unsorted table), reading
        // words without re-checking bounds: a third the instructions, asked twice per new return address.
        guard let b = funcBounds(pc) else { return nil }
        return (b.entry, b.f)
    }

    /// The pc-value table at `off` evaluated at `target` (runtime `pcvalue`); -1 when absent.
    func pcvalue(_ off: UInt32, entry: UInt64, target: UInt64) -> Int32 {
        guard off != 0 else { return -1 }
        let start = pctab + Int(off)
        guard start < table.count else { return -1 }
        var c = ByteCursor(UnsafeRawBufferPointer(rebasing: table[start...]))
        var pc = entry
        var val: Int32 = -1
        var first = true
        while true {
            guard let uv = try? c.uleb128() else { return -1 }
            if uv == 0 && !first { return -1 }
            first = false
            let delta = Int32(truncatingIfNeeded: uv >> 1)
            val = val &+ ((uv & 1) != 0 ? ~delta : delta)
            guard let pd = try? c.uleb128() else { return -1 }
            pc = pc &+ pd &* quantum
            if target < pc { return val }
        }
    }

    func field(_ f: Int, _ i: Int) -> UInt32 { u32(f + 4 * i) ?? 0 }

    func fileLine(entry: UInt64, f: Int, pc: UInt64) -> (String, Int) {
        let fileno = pcvalue(field(f, 5), entry: entry, target: pc)
        let line = pcvalue(field(f, 6), entry: entry, target: pc)
        guard fileno >= 0, line >= 0 else { return ("?", 0) }
        let cu = field(f, 8)
        guard let fo = u32(cutab + 4 * Int(cu &+ UInt32(fileno))), fo != .max else { return ("?", 0) }
        return (cstr(filetab + Int(fo)), Int(line))
    }

    /// Frames at exact `pc`, innermost (inlined) first, with raw pclntab names. Without `lines`, each
    /// frame's file is empty and its line 0 (decoding them was most of a lookup, for a fold that prints
    /// function names only).
    public func frames(at pc: UInt64, lines: Bool = true) -> [SourceFrame] {
        guard let (entry, f) = findFunc(pc) else { return [] }
        var out: [SourceFrame] = []
        let physical = pc
        var pc = pc
        if let (inl, tab) = inlineTree(f) {
            var idx = pcvalue(tab, entry: entry, target: pc)
            var guardCount = 0
            while idx >= 0, guardCount < 256 {
                guardCount += 1
                let recSize = magic == 0xffff_fff1 ? 16 : 20
                guard let e = elf.read(virtualAddress: inl &+ UInt64(idx) &* UInt64(recSize), count: recSize) else {
                    break
                }
                var c = ByteCursor(e, order: order)
                let funcID: UInt8
                let nameOff: UInt32
                let parentPc: Int32
                var startLine: Int32 = 0  // Go 1.20+ records it (runtime inlinedCall.startLine)
                if recSize == 16 {
                    funcID = (try? c.u8()) ?? 0
                    try? c.skip(3)
                    nameOff = (try? c.u32()) ?? 0
                    parentPc = (try? c.i32()) ?? 0
                    startLine = (try? c.i32()) ?? 0
                } else {
                    try? c.skip(2)
                    funcID = (try? c.u8()) ?? 0
                    try? c.skip(9)
                    nameOff = (try? c.u32()) ?? 0
                    parentPc = (try? c.i32()) ?? 0
                }
                let (file, line) = lines ? fileLine(entry: entry, f: f, pc: pc) : ("", 0)
                out.append(
                    SourceFrame(
                        function: cstr(funcnametab + Int(nameOff)), file: file, line: line, isInlined: true,
                        funcID: funcID, startLine: max(0, Int(startLine))))
                pc = entry &+ UInt64(bitPattern: Int64(parentPc))
                idx = pcvalue(tab, entry: entry, target: pc)
            }
        }
        let (file, line) = lines ? fileLine(entry: entry, f: f, pc: pc) : ("", 0)
        // _func.startLine (field 9) exists from Go 1.20 (magic 0xfffffff1) on.
        let startLine = magic == 0xffff_fff1 ? max(0, Int(Int32(bitPattern: field(f, 9)))) : 0
        out.append(SourceFrame(function: cstr(funcnametab + Int(field(f, 1))), file: file, line: line, isInlined: false,
                               funcID: table[f + funcSize - 4], offset: physical - entry, startLine: startLine))
        return out
    }

    /// Function `f`'s inline tree (the address of its records) and the pc-value table indexing it
    /// (pcdata[PCDATA_InlTreeIndex]); nil when it has none.
    private func inlineTree(_ f: Int) -> (tree: UInt64, pcdata: UInt32)? {
        let npcdata = Int(field(f, 7))
        let nfuncdata = Int(table[f + funcSize - 1])
        guard nfuncdata > 3, npcdata > 2, let goFunc,
              let fdoff = u32(f + funcSize + 4 * npcdata + 4 * 3), fdoff != .max else { return nil }
        return (goFunc &+ UInt64(fdoff), field(f, funcSize / 4 + 2))
    }

    /// What `frames(at: pc, lines: false)` is a function of: `pc`'s function and inline-tree node. Two PCs
    /// with the same node get the same frames but for the outer frame's `offset`, so a fold that prints
    /// names only can name a node once instead of each PC (the inline walk from a node is fixed by its
    /// records). Costs the function search and one pc-value decode, a quarter of the frames' lookup.
    /// A return address is looked up at `address - 1` unless it is its function's entry, as
    /// `BinaryImage.lookupAddress` does when the pclntab holds the function.
    public func frameNode(at address: UInt64, isReturnAddress: Bool) -> GoFrameNode? {
        guard let (entry, f) = findFunc(address) else { return nil }
        let pc = isReturnAddress && address > entry ? address &- 1 : address
        guard let (_, tab) = inlineTree(f) else { return GoFrameNode(function: Int32(truncatingIfNeeded: f), inline: -1) }
        return GoFrameNode(function: Int32(truncatingIfNeeded: f), inline: pcvalue(tab, entry: entry, target: pc))
    }

    /// Drops inlined-into wrapper frames the way the Go runtime's tracebacks and CallersFrames do
    /// (`elideWrapperCalling`): a wrapper is hidden unless its callee is gopanic, sigpanic or panicwrap.
    public func elideWrappers(_ frames: [SourceFrame]) -> [SourceFrame] {
        guard let wrapper = wrapperFuncID, let m = goMinor else { return frames }
        // gopanic, sigpanic, panicwrap: no Set built per call (this runs per new address).
        let keep: (UInt8, UInt8, UInt8) = m >= 22 ? (10, m >= 25 ? 20 : 19, 15) : (9, 18, 14)
        // Most frames hold no inlined wrapper: returned as they are, not copied frame by frame.
        guard frames.dropFirst().contains(where: { $0.funcID == wrapper }) else { return frames }
        var out: [SourceFrame] = []
        var callee: UInt8 = 0
        for (i, f) in frames.enumerated() {
            if i > 0, f.funcID == wrapper, callee != keep.0, callee != keep.1, callee != keep.2 {
                callee = f.funcID
                continue
            }
            out.append(f)
            callee = f.funcID
        }
        return out
    }

    /// Entry address of the function holding `pc`.
    public func functionEntry(_ pc: UInt64) -> UInt64? { findFunc(pc)?.entry }
}

/// The name `runtime.Frame.Function` shows: generic shapes replaced by `...` (runtime `funcNameForPrint`).
/// A name cut by NameLimit keeps its `…[+N bytes]` marker. Scanned as bytes: by Character (or through
/// the generic UTF8View algorithms in a debug build) an 8,000-frame sample of 4 KB names took minutes.
public func goPrintName(_ name: String) -> String {
    var s = name
    s.makeContiguousUTF8()
    return s.utf8.withContiguousStorageIfAvailable { b -> String in
        var end = b.count
        if end > NameLimit.maxBytes, b[end - 1] == UInt8(ascii: "]") {
            // The marker's start: `…[+` (E2 80 A6 5B 2B) within the last 40 bytes.
            var k = end - 5
            while k >= max(0, end - 40) {
                if b[k] == 0xe2, b[k + 1] == 0x80, b[k + 2] == 0xa6, b[k + 3] == 0x5b, b[k + 4] == 0x2b {
                    end = k; break
                }
                k -= 1
            }
        }
        // memchr: names can be 4 KB (NameLimit) on each of thousands of frames, and byte loops are slow
        // in debug builds (the hostile-input checks run those under a CPU bound).
        guard let base = b.baseAddress, let open = memchr(base, Int32(UInt8(ascii: "[")), end) else { return s }
        let i = UnsafeRawPointer(open) - UnsafeRawPointer(base)
        var j = end - 1
        while j > i, b[j] != UInt8(ascii: "]") { j -= 1 }
        guard i < end, j > i else { return s }
        return String(decoding: UnsafeBufferPointer(rebasing: b[..<i]), as: UTF8.self) + "[...]"
            + String(decoding: UnsafeBufferPointer(rebasing: b[(j + 1)...]), as: UTF8.self)
    } ?? name
}

/// A function of a pclntab (its `_func` offset) and a node of its inline tree (-1: the function's own
/// code): see `GoPclntab.frameNode(at:)`.
public struct GoFrameNode: Hashable, Sendable {
    public var function: Int32
    public var inline: Int32
}
