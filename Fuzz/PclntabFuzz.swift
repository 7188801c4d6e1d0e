// libFuzzer entry point for the Go pclntab reader: every input must be read or rejected, and every
// lookup answered or left empty, never trap. Built and run by scripts/fuzz.sh pclntab.
//
// The input is the parts of a Go binary the reader uses, wrapped here into a small ELF file:
//   u32 a, u32 b, u32 c, u32 d (little-endian), then data: data[..<a] the pclntab, data[a..<b] moduledata
//   (`.go.module`), data[b..<c] `.go.buildinfo`, data[c..<d] the dynamic section (PT_DYNAMIC: DT_RELA and
//   the relocations it points at), data[d...] read-only data (the inline trees of go:func.*).
// data[i] is loaded at virtualBase + i. If a's top bit is set, the pclntab section is named `.data.rel.ro`,
// so the reader has to find the table by its header and moduledata instead.
import BinaryIO
import Glibc
import Symbolize

let virtualBase: UInt64 = 0x11000
let dataOffset = 0x1000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 16 else { return 0 }
    let raw = UnsafeBufferPointer(start: data, count: size)
    func u32(_ i: Int) -> UInt32 { UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24 }
    let hideSection = u32(0) & 0x8000_0000 != 0
    let body = raw[16...]
    let n = body.count
    let a = min(Int(u32(0) & 0x7fff_ffff), n), b = min(max(Int(u32(4)), a), n), c = min(max(Int(u32(8)), b), n)
    let d = min(max(Int(u32(12)), c), n)
    let elf = makeELF(body: body, dynamic: c..<d, sections: [
        (hideSection ? ".data.rel.ro" : ".gopclntab", 0..<a), (".go.module", a..<b), (".go.buildinfo", b..<c),
        (".dynamic", c..<d), (".rodata", d..<n),
    ])
    // To keep an input as a regression test: PCLNTAB_FUZZ_ELF=out.elf .build-fuzz/pclntab-fuzz input
    if let path = getenv("PCLNTAB_FUZZ_ELF"), let f = fopen(path, "wb") {
        fwrite(elf, 1, elf.count, f)
        fclose(f)
    }
    let file = elf.withUnsafeBufferPointer { MappedFile(path: "fuzz-input", copying: $0) }
    guard let e = try? ELFFile(file: file), let p = try? GoPclntab(elf: e) else { return 0 }
    // Addresses spread over the text the table says it covers (functab's end offset, read here from the
    // input itself), plus the ends of the text.
    var span: UInt64 = 1 << 16
    if a >= 72 {
        let nfunc = Int(u32(16 + 8) & 0xfff_ffff), functab = Int(u32(16 + 8 + 7 * 8) & 0xfff_ffff)
        let end = functab + 8 * nfunc
        if end + 4 <= a { span = UInt64(u32(16 + end)) + 1 }
    }
    for k in 0..<64 {
        let pc = p.textStart &+ span / 64 &* UInt64(k) &+ UInt64(k & 7)
        let frames = p.frames(at: pc)
        _ = p.elideWrappers(frames)
        _ = p.functionEntry(pc)
    }
    _ = p.frames(at: p.textStart &- 1)
    _ = p.frames(at: .max)
    return 0
}

/// A little-endian ELF64 x86-64 executable: one PT_LOAD mapping the whole file at virtualBase - dataOffset,
/// `body` at dataOffset, a PT_DYNAMIC over `body[dynamic]`, the given sections over parts of it, and a
/// section name table.
func makeELF(body: UnsafeBufferPointer<UInt8>.SubSequence, dynamic: Range<Int>, sections: [(String, Range<Int>)]) -> [UInt8] {
    var names: [UInt8] = [0]
    var nameOffsets: [UInt32] = []
    for (name, _) in sections + [(".shstrtab", 0..<0)] {
        nameOffsets.append(UInt32(names.count))
        names += Array(name.utf8) + [0]
    }
    var out = [UInt8](repeating: 0, count: dataOffset)
    out.reserveCapacity(dataOffset + body.count + names.count + 64 * (sections.count + 3))
    out += body
    let namesOffset = out.count
    out += names
    while out.count % 8 != 0 { out.append(0) }
    let shoff = out.count
    func put<T: FixedWidthInteger>(_ v: T, at o: Int) { withUnsafeBytes(of: v.littleEndian) { for (i, byte) in $0.enumerated() { out[o + i] = byte } } }
    func section(_ nameOff: UInt32, type: UInt32, flags: UInt64, addr: UInt64, offset: Int, size: Int) {
        let o = out.count
        out += [UInt8](repeating: 0, count: 64)
        put(nameOff, at: o); put(type, at: o + 4); put(flags, at: o + 8); put(addr, at: o + 16)
        put(UInt64(offset), at: o + 24); put(UInt64(size), at: o + 32); put(UInt64(1), at: o + 48)
    }
    out += [UInt8](repeating: 0, count: 64)  // SHN_UNDEF
    for (i, (_, r)) in sections.enumerated() {
        section(nameOffsets[i], type: 1, flags: 2, addr: virtualBase + UInt64(r.lowerBound), offset: dataOffset + r.lowerBound, size: r.count)
    }
    section(nameOffsets[sections.count], type: 3, flags: 0, addr: 0, offset: namesOffset, size: names.count)
    // ELF header
    out.replaceSubrange(0..<7, with: [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])
    put(UInt16(2), at: 16); put(UInt16(62), at: 18); put(UInt32(1), at: 20)
    put(UInt64(64), at: 32); put(UInt64(shoff), at: 40)
    put(UInt16(64), at: 52); put(UInt16(56), at: 54); put(UInt16(2), at: 56)
    put(UInt16(64), at: 58); put(UInt16(sections.count + 2), at: 60); put(UInt16(sections.count + 1), at: 62)
    // PT_LOAD, read-only, the whole file
    put(UInt32(1), at: 64); put(UInt32(4), at: 68); put(UInt64(0), at: 72)
    put(virtualBase - UInt64(dataOffset), at: 80); put(virtualBase - UInt64(dataOffset), at: 88)
    put(UInt64(out.count), at: 96); put(UInt64(out.count), at: 104); put(UInt64(0x1000), at: 112)
    // PT_DYNAMIC
    put(UInt32(2), at: 120); put(UInt32(6), at: 124); put(UInt64(dataOffset + dynamic.lowerBound), at: 128)
    put(virtualBase + UInt64(dynamic.lowerBound), at: 136); put(virtualBase + UInt64(dynamic.lowerBound), at: 144)
    put(UInt64(dynamic.count), at: 152); put(UInt64(dynamic.count), at: 160); put(UInt64(8), at: 168)
    return out
}
