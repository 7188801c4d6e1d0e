// libFuzzer entry point that builds an ELF file from the input, read as choices (Choices.swift): program
// headers, a symbol table and its strings, a build-id note, a .gnu_debuglink, and DWARF (.debug_abbrev,
// .debug_info, .debug_str) whose DIEs nest, name and range functions as chosen; section and segment
// offsets, sizes and counts, symbol name offsets, note and unit lengths, nesting depth, names (long,
// control characters, paths) at boundary values (issue 22). The ELF reader (ELF.swift, DebugFile.swift,
// GoBuildID.swift) reads it from memory; libdw (Dwarf.swift) from a file in /dev/shm. Every file must be
// read or rejected, every lookup answered or left empty, never trap. Built and run by scripts/fuzz.sh
// elfstruct.
import BinaryIO
import Glibc
import Symbolize

struct Bytes {
    var data: [UInt8] = []
    mutating func put(_ v: UInt64, _ n: Int = 8) { for k in 0..<n { data.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
    mutating func uleb(_ v: UInt64) {
        var v = v
        while v >= 0x80 { data.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        data.append(UInt8(v))
    }
}

let textAddress: UInt64 = 0x401000

extension Choices {
    /// A size or offset: the true one mostly, else at the edges.
    mutating func size(_ real: Int) -> UInt64 { u8() & 7 != 0 ? UInt64(real) : edgy() }
    /// An address in .text mostly, else at the edges.
    mutating func address() -> UInt64 { u8() & 3 != 0 ? textAddress + UInt64(u8()) * 16 : edgy() }
}

/// .symtab and .strtab: function symbols whose names are chosen, or point anywhere (past the table, into
/// the middle of another name, all at one long name).
func symbols(_ c: inout Choices) -> (symtab: [UInt8], strtab: [UInt8]) {
    var strtab = Bytes(data: [0])
    var syms = Bytes(data: [UInt8](repeating: 0, count: 24))
    for _ in 0..<Int(c.u8() & 63) {
        let offset = strtab.data.count
        strtab.data += c.name() + [0]
        let nameOffset = c.u8() & 7 == 0 ? c.edgy() : UInt64(c.u8() & 3 == 0 ? 1 : offset)
        syms.put(nameOffset, 4); syms.data += [0x12, 0]; syms.put(1, 2); syms.put(c.address()); syms.put(c.size(16))
    }
    return (syms.data, strtab.data)
}

/// .debug_abbrev, .debug_info (one DWARF 4 unit) and .debug_str: a compile unit whose subprogram and
/// inlined-subroutine DIEs nest as deep as chosen, with names inline or in .debug_str (any offset),
/// ranges at the edges, abstract origins anywhere.
func dwarf(_ c: inout Choices) -> (abbrev: [UInt8], info: [UInt8], str: [UInt8]) {
    // 1 compile unit, 2 subprogram (name strp, low_pc, high_pc length), 3 inlined subroutine (abstract
    // origin ref4, low_pc, high_pc, call_line), 4 subprogram without children (name string).
    let abbrev: [UInt8] = [
        1, 0x11, 1, 0x03, 0x08, 0x11, 0x01, 0x12, 0x07, 0, 0,
        2, 0x2E, 1, 0x03, 0x0e, 0x11, 0x01, 0x12, 0x07, 0, 0,
        3, 0x1D, 1, 0x31, 0x13, 0x11, 0x01, 0x12, 0x07, 0x59, 0x0b, 0, 0,
        4, 0x2E, 0, 0x03, 0x08, 0x11, 0x01, 0x12, 0x07, 0, 0,
        0,
    ]
    var str = Bytes(data: [0])
    var body = Bytes()
    body.data.append(1); body.data += Array("fuzz.c".utf8) + [0]; body.put(textAddress); body.put(c.size(0x1000))
    var open = 1
    for _ in 0..<Int(c.u8()) {
        switch c.u8() % 5 {
        case 0, 1:
            body.data.append(2)
            let offset = str.data.count
            str.data += c.name() + [0]
            body.put(c.u8() & 7 == 0 ? c.edgy() : UInt64(offset), 4); body.put(c.address()); body.put(c.size(32))
            open += 1
        case 2:
            body.data.append(3)
            body.put(c.u8() & 1 == 0 ? UInt64(c.u8()) : c.edgy(), 4); body.put(c.address()); body.put(c.size(8))
            body.data.append(c.u8())
            open += 1
        case 3:
            body.data.append(4); body.data += c.name() + [0]; body.put(c.address()); body.put(c.size(16))
        default:
            if open > 1 { body.data.append(0); open -= 1 }
        }
        // Deep nesting: one inlined-subroutine DIE inside the last, up to 16,320 deep.
        if c.u8() == 0xff {
            let run = Int(c.u8()) * 64
            for _ in 0..<run { body.data.append(3); body.put(0, 4); body.put(textAddress); body.put(8); body.data.append(1) }
            open += run
        }
    }
    body.data += [UInt8](repeating: 0, count: c.u8() & 1 == 0 ? open : 0)
    var info = Bytes()
    info.put(c.size(2 + 4 + 1 + body.data.count), 4); info.put(4, 2); info.put(0, 4); info.data.append(8)
    info.data += body.data
    return (abbrev, info.data, str.data)
}

/// A GNU build-id note with chosen name and descriptor sizes.
func buildIDNote(_ c: inout Choices) -> [UInt8] {
    var n = Bytes()
    let desc = (0..<Int(c.u8() & 31)).map { _ in c.u8() }
    n.put(c.size(4), 4); n.put(c.size(desc.count), 4); n.put(3, 4)
    n.data += Array("GNU\0".utf8) + desc
    while n.data.count % 4 != 0 { n.data.append(0) }
    return n.data
}

/// Sections laid out after the ELF header and one PT_LOAD; offsets, sizes, links and counts at the edges
/// when chosen. (name, type, flags, address, bytes, link, info, entry size)
typealias SectionSpec = (name: String, type: UInt32, flags: UInt64, addr: UInt64, bytes: [UInt8], link: UInt32, info: UInt32, entsize: UInt64)

func elf(_ c: inout Choices, _ sections: [SectionSpec]) -> [UInt8] {
    var shstr = Bytes(data: [0])
    var names: [Int] = []
    for s in sections + [(".shstrtab", 3, 0, 0, [], 0, 0, 0)] { names.append(shstr.data.count); shstr.data += Array(s.name.utf8) + [0] }
    let all = sections + [(".shstrtab", 3, 0, 0, shstr.data, 0, 0, 0)]
    var body = Bytes()
    var offsets: [Int] = []
    let start = 64 + 56
    for s in all {
        while body.data.count % 8 != 0 { body.data.append(0) }
        offsets.append(start + body.data.count)
        body.data += s.bytes
    }
    while body.data.count % 8 != 0 { body.data.append(0) }
    let shoff = start + body.data.count
    var f = Bytes(data: [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8))
    f.put(c.u8() & 1 == 0 ? 2 : 3, 2); f.put(62, 2); f.put(1, 4); f.put(textAddress)
    f.put(c.size(64)); f.put(c.size(shoff)); f.put(0, 4); f.put(64, 2); f.put(c.size(56), 2); f.put(c.size(1), 2)
    f.put(c.size(64), 2); f.put(c.size(all.count + 1), 2); f.put(c.size(all.count), 2)
    // PT_LOAD of the whole file at 0x400000 (or chosen)
    f.put(1, 4); f.put(5, 4); f.put(c.size(0)); f.put(c.u8() & 7 == 0 ? c.edgy() : 0x400000); f.put(0x400000)
    let total = UInt64(shoff + 64 * (all.count + 1))
    f.put(c.size(Int(total))); f.put(c.size(Int(total))); f.put(0x1000)
    f.data += body.data
    f.data += [UInt8](repeating: 0, count: 64)
    for (i, s) in all.enumerated() {
        f.put(UInt64(names[i]), 4); f.put(UInt64(s.type), 4); f.put(s.flags); f.put(s.addr)
        f.put(c.size(offsets[i])); f.put(s.type == 8 ? 0x10000 : c.size(s.bytes.count)); f.put(UInt64(s.link), 4)
        f.put(UInt64(s.info), 4); f.put(8); f.put(s.entsize)
    }
    return f.data
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var c = Choices(bytes: UnsafeBufferPointer(start: data, count: size))
    let (symtab, strtab) = symbols(&c)
    let (abbrev, info, str) = dwarf(&c)
    var link = c.u8() & 1 == 0 ? Array("fuzz.debug".utf8) : c.name()
    link.append(0)
    while link.count % 4 != 0 { link.append(0) }
    link += [0, 0, 0, 0]
    let bytes = elf(&c, [
        (".text", 8, 6, textAddress, [], 0, 0, 0),
        (".symtab", 2, 0, 0, symtab, 3, 1, 24),
        (".strtab", 3, 0, 0, strtab, 0, 0, 0),
        (".note.gnu.build-id", 7, 2, 0, buildIDNote(&c), 0, 0, 0),
        (".gnu_debuglink", 1, 0, 0, link, 0, 0, 0),
        (".debug_abbrev", 1, 0, 0, abbrev, 0, 0, 0),
        (".debug_info", 1, 0, 0, info, 0, 0, 0),
        (".debug_str", 1, 0x30, 0, str, 0, 0, 1),
    ])
    let file = bytes.withUnsafeBufferPointer { MappedFile(path: "fuzz-elf", copying: $0) }
    guard let e = try? ELFFile(file: file) else { return 0 }
    for s in e.functionSymbols.prefix(64) { _ = s.name.utf8.count &+ Int(truncatingIfNeeded: s.value) }
    _ = e.buildID
    _ = e.debugLink
    _ = e.goBuildID()
    _ = e.fileOffset(ofVirtualAddress: textAddress)
    _ = e.read(virtualAddress: textAddress, count: 16)
    // libdw reads files: the same bytes from memory-backed /dev/shm.
    let path = "/dev/shm/stackfold-elfstruct-\(getpid())"
    guard let f = fopen(path, "wb") else { return 0 }
    fwrite(bytes, 1, bytes.count, f)
    fclose(f)
    defer { unlink(path) }
    if let d = DwarfIndex(path: path) {
        _ = d.functionCount &+ d.inlinedCount &+ d.unitCount
        for k in 0..<16 { _ = d.frames(at: textAddress &+ UInt64(k) * 24); _ = d.functionEntry(textAddress &+ UInt64(k) * 24) }
    }
    return 0
}
