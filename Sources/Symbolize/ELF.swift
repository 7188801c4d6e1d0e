import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// A problem reading a binary: names the file, the offset and what was being read.
public struct SymbolizeError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var offset: Int
    public var message: String
    public init(path: String, offset: Int, message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }
    init(path: String, _ e: ReadError) {
        self.init(path: path, offset: e.offset, message: e.description)
    }
    public var description: String { "\(path): offset \(offset) (0x\(String(offset, radix: 16))): \(message)" }
}

/// An ELF file read directly from its bytes (64-bit, either byte order): sections, segments, symbols, build-id.
public final class ELFFile: @unchecked Sendable {
    public struct Section: Sendable {
        public var name: String
        public var type: UInt32
        public var flags: UInt64
        public var address: UInt64
        public var offset: UInt64
        public var size: UInt64
        public var link: UInt32
        public var entrySize: UInt64
    }
    public struct Segment: Sendable {
        public var type: UInt32
        public var flags: UInt32
        public var offset: UInt64
        public var vaddr: UInt64
        public var fileSize: UInt64
        public var memSize: UInt64
        public var isExecutable: Bool { flags & 1 != 0 }
    }
    public struct Symbol: Sendable {
        public var name: String
        public var value: UInt64
        public var size: UInt64
        public var isFunction: Bool
    }

    public let path: String
    public let file: MappedFile
    public let order: ByteOrder
    public let type: UInt16
    public let machine: UInt16
    public private(set) var sections: [Section] = []
    public private(set) var segments: [Segment] = []
    /// Names read from each symbol table, by its file offset (`names(of:)`).
    var symbolTableNames: [UInt64: SymbolTableNames] = [:]

    public var isPositionIndependent: Bool { type == 3 }

    public convenience init(path: String) throws(SymbolizeError) {
        let f: MappedFile
        do { f = try MappedFile(path: path, regularOnly: true) } catch {
            throw SymbolizeError(path: path, offset: 0, message: error.message)
        }
        try self.init(file: f)
    }

    public init(file: MappedFile) throws(SymbolizeError) {
        self.file = file
        self.path = file.path
        var c = file.cursor()
        do throws(ReadError) {
            let h = try ELFHeader.read(&c)
            (order, type, machine) = (h.order, h.type, h.machine)
            if h.phnum > 0 {
                guard !h.programHeadersRefused(fileSize: UInt64(file.count)) else {
                    throw c.error("e_phoff", "program headers outside the file")
                }
                segments = try Self.programHeaders(c, at: Int(h.phoff), entrySize: h.phentsize, count: h.phnum)
            }
            if h.shnum > 0 {
                guard !h.sectionHeadersRefused(fileSize: UInt64(file.count)) else {
                    throw c.error("e_shoff", "section headers outside the file")
                }
                let raw = try Self.sectionHeaders(c, at: Int(h.shoff), entrySize: h.shentsize, count: h.shnum)
                sections = named(raw, namesIn: h.shstrndx)
            }
        } catch {
            throw SymbolizeError(path: file.path, error)
        }
    }

    private static func programHeaders(_ c: ByteCursor, at phoff: Int, entrySize phentsize: Int, count phnum: Int)
        throws(ReadError) -> [Segment]
    {
        var segments: [Segment] = []
        for i in 0..<phnum {
            var p = try c.slice(phoff + i * phentsize..<phoff + i * phentsize + 56, "program header \(i)")
            let t = try p.u32(), fl = try p.u32()
            let off = try p.u64(), vaddr = try p.u64()
            _ = try p.u64()  // p_paddr
            let filesz = try p.u64(), memsz = try p.u64()
            segments.append(Segment(type: t, flags: fl, offset: off, vaddr: vaddr, fileSize: filesz, memSize: memsz))
        }
        return segments
    }

    /// The section headers with each name's offset in the section-name table (names are set by `named`).
    static func sectionHeaders(_ c: ByteCursor, at shoff: Int, entrySize shentsize: Int, count shnum: Int)
        throws(ReadError) -> [(nameOff: UInt32, Section)]
    {
        var raw: [(nameOff: UInt32, Section)] = []
        for i in 0..<shnum {
            var s = try c.slice(shoff + i * shentsize..<shoff + i * shentsize + 64, "section header \(i)")
            let nameOff = try s.u32()
            let t = try s.u32()
            let flags = try s.u64(), addr = try s.u64(), off = try s.u64(), size = try s.u64()
            let link = try s.u32()
            _ = try s.u32()
            _ = try s.u64()
            let es = try s.u64()
            let section = Section(
                name: "", type: t, flags: flags, address: addr, offset: off, size: size, link: link, entrySize: es)
            raw.append((nameOff, section))
        }
        return raw
    }

    /// The sections with their names from section `shstrndx`; unnamed when there is no such section.
    private func named(_ raw: [(nameOff: UInt32, Section)], namesIn shstrndx: Int) -> [Section] {
        guard shstrndx < raw.count else { return raw.map(\.1) }
        let strtab = raw[shstrndx].1
        return raw.map { nameOff, sec in
            var sec = sec
            if let name = try? cString(at: strtab.offset &+ UInt64(nameOff), limit: strtab.offset &+ strtab.size) {
                sec.name = name
            }
            return sec
        }
    }

    func cString(at off: UInt64, limit: UInt64) throws(ReadError) -> String {
        guard off < UInt64(file.count), off < limit else {
            throw ReadError(.invalid("string offset outside its table"), offset: Int(clamping: off), what: "string")
        }
        // memchr, not a byte loop: libc's debug file has 13,000 symbol names, read for two tables.
        let start = Int(off), end = Int(min(limit, UInt64(file.count)))
        guard let base = file.bytes.baseAddress, let nul = memchr(base + start, 0, end - start) else {
            throw ReadError(
                .truncated(needed: end - start + 1, available: end - start), offset: start,
                what: "string (no NUL terminator)")
        }
        let count = UnsafeRawPointer(nul) - (base + start)
        return String(decoding: UnsafeRawBufferPointer(start: base + start, count: count), as: UTF8.self)
    }

    public func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// The bytes of a section (empty for NOBITS and sections outside the file).
    public func bytes(of s: Section) -> UnsafeRawBufferPointer? {
        guard s.type != 8, s.offset <= UInt64(file.count), s.size <= UInt64(file.count) - s.offset else { return nil }
        return UnsafeRawBufferPointer(rebasing: file.bytes[Int(s.offset)..<Int(s.offset + s.size)])
    }

    /// File offset of a virtual address, through the PT_LOAD segment that holds it.
    public func fileOffset(ofVirtualAddress a: UInt64) -> UInt64? {
        for s in segments where s.type == 1 && a >= s.vaddr && a < s.vaddr &+ s.fileSize {
            return s.offset &+ (a - s.vaddr)
        }
        return nil
    }

    /// Virtual address of a file offset (what perf's mapping gives, `pgoff + addr - start`), through PT_LOAD.
    public func virtualAddress(ofFileOffset o: UInt64) -> UInt64? {
        for s in segments where s.type == 1 && o >= s.offset && o < s.offset &+ max(s.fileSize, 1) {
            return s.vaddr &+ (o - s.offset)
        }
        return nil
    }

    /// `count` bytes at virtual address `a`, if the file holds them.
    public func read(virtualAddress a: UInt64, count: Int) -> UnsafeRawBufferPointer? {
        guard let o = fileOffset(ofVirtualAddress: a), count >= 0, o <= UInt64(file.count),
            UInt64(count) <= UInt64(file.count) - o
        else { return nil }
        return UnsafeRawBufferPointer(rebasing: file.bytes[Int(o)..<(Int(o) + count)])
    }

    /// Addends of the `R_*_RELATIVE` relocations of the dynamic table (`DT_RELA` of `PT_DYNAMIC`, which
    /// survives `strip`), by the address they patch. A PIE linked by an external linker holds 0 in the file
    /// where these go, so pointers read from its data need them (load address 0: the value is the addend).
    /// `DT_REL` and `DT_RELR` keep the addend in the word itself: nothing to do for those.
    public lazy var relativeRelocations: [UInt64: UInt64] = {
        let relative: UInt64 = machine == 62 ? 8 : machine == 183 ? 1027 : 0  // x86-64, AArch64
        guard relative != 0, let dyn = segments.first(where: { $0.type == 2 }),
            dyn.offset <= UInt64(file.count), dyn.fileSize <= UInt64(file.count) - dyn.offset
        else { return [:] }
        var c = ByteCursor(
            UnsafeRawBufferPointer(rebasing: file.bytes[Int(dyn.offset)..<Int(dyn.offset + dyn.fileSize)]), order: order
        )
        var rela: UInt64?, relasz: UInt64 = 0, relaent: UInt64 = 24
        while c.remaining >= 16, let tag = try? c.u64(), let val = try? c.u64(), tag != 0 {
            switch tag {
            case 7: rela = val  // DT_RELA
            case 8: relasz = val  // DT_RELASZ
            case 9: relaent = val  // DT_RELAENT
            default: break
            }
        }
        guard let rela, relaent >= 24, relaent < 1 << 16, let off = fileOffset(ofVirtualAddress: rela),
              off <= UInt64(file.count) else { return [:] }
        let size = min(relasz, UInt64(file.count) - off)
        var out: [UInt64: UInt64] = [:]
        var r = ByteCursor(UnsafeRawBufferPointer(rebasing: file.bytes[Int(off)..<Int(off + size)]), order: order)
        while r.remaining >= Int(relaent), let place = try? r.u64(), let info = try? r.u64(), let addend = try? r.u64()
        {
            if info & 0xffff_ffff == relative { out[place] = addend }
            try? r.skip(Int(relaent) - 24)
        }
        return out
    }()

    /// The `size`-byte word at virtual address `a` as the loader leaves it at load address 0.
    public func word(atVirtualAddress a: UInt64, size: Int) -> UInt64? {
        if let v = relativeRelocations[a] { return v }
        guard let b = read(virtualAddress: a, count: size) else { return nil }
        var c = ByteCursor(b, order: order)
        return try? c.word(size: size)
    }

    /// GNU build-id as lowercase hex.
    public lazy var buildID: String? = firstNote(Self.gnuBuildID)

    /// A GNU build-id note's descriptor as lowercase hex; nil for any other note (`firstNote`'s `match`).
    static func gnuBuildID(
        _ type: UInt32, _ namesz: UInt32, _ name: UnsafeRawBufferPointer, _ desc: Slice<UnsafeRawBufferPointer>
    ) -> String? {
        guard type == 3, namesz == 4, name.starts(with: [0x47, 0x4e, 0x55, 0]) else { return nil }
        // Appended, not `map(...).joined()`: that generic call made the runtime scan every conformance
        // record of the binary for Array<String>: Collection (190,000 instructions, on every run).
        var hex = ""
        for b in desc { hex += String(format2: b) }
        return hex
    }

    /// The first value `match` gives for a note of the SHT_NOTE sections, in file order: its type, the
    /// name's declared size, the name as stored (padded to 4 bytes), the descriptor (its declared size).
    func firstNote<T>(
        _ match: (UInt32, UInt32, UnsafeRawBufferPointer, Slice<UnsafeRawBufferPointer>) -> T?
    ) -> T? {
        for s in sections where s.type == 7 {  // SHT_NOTE
            guard let b = bytes(of: s) else { continue }
            if let found = Self.firstNote(in: b, origin: Int(s.offset), order: order, match) { return found }
        }
        return nil
    }

    /// `firstNote` over one SHT_NOTE section's bytes `b` (at file offset `origin`).
    static func firstNote<T>(
        in b: UnsafeRawBufferPointer, origin: Int, order: ByteOrder,
        _ match: (UInt32, UInt32, UnsafeRawBufferPointer, Slice<UnsafeRawBufferPointer>) -> T?
    ) -> T? {
        var c = ByteCursor(b, origin: origin, order: order)
        while c.remaining >= 12 {
            guard let namesz = try? c.u32(), let descsz = try? c.u32(), let t = try? c.u32() else { break }
            let np = (Int(namesz) + 3) & ~3, dp = (Int(descsz) + 3) & ~3
            guard let name = try? c.bytes(np), let desc = try? c.bytes(dp) else { break }
            if let found = match(t, namesz, name, desc.prefix(Int(descsz))) { return found }
        }
        return nil
    }

    /// perf's choice of name and llvm-symbolizer's, without names until asked (SymbolTables.swift).
    lazy var functionTable: SortedSymbols = buildFunctionTable()
    lazy var namingTable: SortedSymbols = buildNamingTable()
    /// `functionTable` with names: every symbol `symbol(at:)` can return, in its order.
    public lazy var functionSymbols: [Symbol] = functionTable.entries.indices.map { functionSymbol($0) }
    /// `namingTable` with names: every symbol `namingSymbol(at:)` can return, in its order.
    public lazy var namingSymbols: [NamingSymbol] = namingTable.entries.indices.map { namingSymbol($0) }

    /// perf's own symbol table (PerfSymbols.swift), built on first use.
    public lazy var perfSymbols: [PerfSymbol] = buildPerfSymbols()
    public lazy var perfModuleTextSymbols: [PerfSymbol] = buildPerfSymbols(moduleText: true)
    public lazy var perfPLTTable: [PerfSymbol] = perfPLTSymbols()

    /// The value of a symbol by exact name (any type), e.g. `runtime.text`.
    public func symbolValue(_ name: String) -> UInt64? {
        for tabName in [".symtab"] {
            guard let tab = section(named: tabName), Int(tab.link) < sections.count, let b = bytes(of: tab) else {
                continue
            }
            let strtab = sections[Int(tab.link)]
            var c = ByteCursor(b, origin: Int(tab.offset), order: order)
            let want = Array(name.utf8)
            while c.remaining >= 24 {
                guard let nameOff = try? c.u32() else { break }
                _ = try? c.skip(4)
                guard let value = try? c.u64(), (try? c.u64()) != nil else { break }
                let off = strtab.offset &+ UInt64(nameOff)
                guard off < UInt64(file.count), UInt64(want.count) < UInt64(file.count) - off else { continue }
                if file.bytes[Int(off)] == want.first, Array(file.bytes[Int(off)..<Int(off) + want.count]) == want,
                   file.bytes[Int(off) + want.count] == 0 {
                    return value
                }
            }
        }
        return nil
    }
}

extension String {
    init(format2 b: UInt8) {
        let s = String(b, radix: 16)
        self = s.count == 1 ? "0" + s : s
    }
}
