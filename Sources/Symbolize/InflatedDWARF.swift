import BinaryIO
import CElfUtils

#if canImport(Glibc)
import Glibc
#endif

/// What an ELF file with compressed DWARF (`SHF_COMPRESSED`, or GNU's `.zdebug_*`) becomes in the debug
/// section cache: a small ELF file of its own layout holding only what libdw reads for `DwarfIndex` and
/// `CFITable` — every `.debug_*` section, inflated, in the source's order (`.zdebug_x` named `.debug_x`, as
/// libdw names it) — plus the source's GNU build-id note and a section-name table. The layout is a
/// function of the source's section headers alone, so a cached copy is checked by comparing its header and
/// tail bytes with the ones this plan would write; only the inflated contents are not compared.
struct InflatedDWARF {
    struct Section {
        var index: Int  // in the source
        var name: String  // as written (`.zdebug_` → `.debug_`)
        var type: UInt32
        var flags: UInt64  // without SHF_COMPRESSED
        var entrySize: UInt64
        var size: UInt64  // inflated
        var offset: UInt64 = 0  // in the copy
        var compression: Compression
    }

    enum Compression { case none, gabi, gnu }

    static let shfCompressed: UInt64 = 0x800
    /// Refused above this many inflated bytes, or above `maxRatio` times the compressed bytes.
    static let maxInflated: UInt64 = 1 << 30
    static let maxRatio: UInt64 = 100

    let buildID: [UInt8]
    let order: ByteOrder
    let ident: [UInt8]  // e_ident of the source (class, data, OS ABI)
    let type: UInt16
    let machine: UInt16
    let flags: UInt32
    private(set) var sections: [Section] = []
    /// FNV-1a of what names this DWARF besides the build-id (section names, sizes, the zlib streams' adler32
    /// trailers, the first and last 4 KiB of uncompressed sections: bounded, as it is paid on every run):
    /// part of the cached file's name.
    private(set) var fingerprint: UInt64 = 0xcbf2_9ce4_8422_2325
    private(set) var header: [UInt8] = []
    private(set) var tail: [UInt8] = []
    private(set) var tailOffset: UInt64 = 0

    /// Why a file is not cached (nil from `init` means nothing is compressed: nothing to cache).
    struct Refusal: Error, CustomStringConvertible { var description: String }

    /// The plan for `elf`; nil when none of its DWARF is compressed. Throws when it is compressed but is
    /// not cached (no build-id, split or supplementary DWARF, section groups, over the size bounds).
    init?(_ elf: ELFFile) throws(Refusal) {
        guard elf.sections.contains(where: Self.isCompressedDebug) else { return nil }
        guard let id = elf.buildID, ConfinedPath.isBuildID(id) else { throw Refusal(description: "no build-id") }
        guard elf.type == 2 || elf.type == 3 else { throw Refusal(description: "not an executable or shared object") }
        guard let ehdr = elf.file.bytes.count >= 64 ? Array(elf.file.bytes[0..<64]) : nil else {
            throw Refusal(description: "short ELF header")
        }
        buildID = Self.bytes(hex: id)
        order = elf.order
        ident = Array(ehdr[0..<16])
        type = elf.type
        machine = elf.machine
        var c = ByteCursor(UnsafeRawBufferPointer(rebasing: elf.file.bytes[48..<52]), order: order)
        flags = (try? c.u32()) ?? 0
        try collect(elf)
        layOut()
    }

    static func isCompressedDebug(_ s: ELFFile.Section) -> Bool {
        s.type != 8 && (s.name.hasPrefix(".zdebug_") || (s.name.hasPrefix(".debug_") && s.flags & shfCompressed != 0))
    }

    /// The debug sections, their inflated sizes from the compression headers, and the bounds.
    private mutating func collect(_ elf: ELFFile) throws(Refusal) {
        var names: Set<String> = []
        var packed: UInt64 = 0, inflated: UInt64 = 0
        for (i, s) in elf.sections.enumerated() {
            if s.name == ".gnu_debugaltlink" || s.name == ".debug_sup" {
                throw Refusal(description: "DWARF in a supplementary file (\(s.name))")
            }
            guard s.type != 8, s.name.hasPrefix(".debug_") || s.name.hasPrefix(".zdebug_") else { continue }
            guard !s.name.hasSuffix(".dwo") else { throw Refusal(description: "split DWARF (\(s.name))") }
            guard s.flags & 0x200 == 0 else { throw Refusal(description: "section group member \(s.name)") }
            guard let b = elf.bytes(of: s) else { throw Refusal(description: "\(s.name) outside the file") }
            let gnu = s.name.hasPrefix(".zdebug_")
            let name = gnu ? "." + s.name.dropFirst(2) : s.name
            guard names.insert(name).inserted else { throw Refusal(description: "two \(name) sections") }
            var sec = Section(
                index: i, name: name, type: s.type, flags: s.flags & ~Self.shfCompressed, entrySize: s.entrySize,
                size: s.size, compression: gnu ? .gnu : (s.flags & Self.shfCompressed != 0 ? .gabi : .none))
            hash(Array(name.utf8) + [0])
            hash(s.type, s.flags, s.size, s.entrySize)
            if sec.compression == .none {
                hash(b.count <= 8192 ? b[...] : b.prefix(4096))
                if b.count > 8192 { hash(b.suffix(4096)) }
            } else {
                sec.size = try Self.inflatedSize(b, gnu: gnu, order: order, name: s.name)
                hash(sec.size)
                hash(UnsafeRawBufferPointer(rebasing: b[max(0, b.count - 16)...]))  // adler32 (zlib) trailer
                // Each at most 1 GiB, and at most 65,535 sections: the sums cannot overflow.
                guard sec.size <= Self.maxInflated else { throw Refusal(description: "\(s.name): \(sec.size) bytes inflated") }
                packed &+= s.size
                inflated += sec.size
            }
            sections.append(sec)
        }
        guard inflated <= Self.maxInflated, inflated / Self.maxRatio <= packed else {
            throw Refusal(
                description: "inflated DWARF of \(inflated) bytes from \(packed) (bounds: 1 GiB, \(Self.maxRatio)×)")
        }
    }

    /// The size a compressed section declares: `Elf64_Chdr.ch_size`, or a `.zdebug_` section's big-endian
    /// size after its "ZLIB" magic.
    static func inflatedSize(_ b: UnsafeRawBufferPointer, gnu: Bool, order: ByteOrder, name: String)
        throws(Refusal) -> UInt64
    {
        var c = ByteCursor(b, order: gnu ? .big : order)
        if gnu, !(b.count >= 12 && b[0..<4].elementsEqual("ZLIB".utf8)) {
            throw Refusal(description: "\(name): no ZLIB header")
        }
        // ch_type and ch_reserved skipped: libelf inflates what it can and refuses the rest.
        guard (try? c.skip(gnu ? 4 : 8)) != nil, let size = try? c.u64() else {
            throw Refusal(description: "\(name): short compression header")
        }
        return size
    }

    private mutating func hash(_ b: some Collection<UInt8>) {
        for x in b { fingerprint = (fingerprint ^ UInt64(x)) &* 0x100_0000_01b3 }
    }

    private mutating func hash(_ v: UInt64...) {
        for x in v { withUnsafeBytes(of: x.littleEndian) { hash($0) } }
    }
    private mutating func hash(_ t: UInt32, _ f: UInt64, _ s: UInt64, _ e: UInt64) { hash(UInt64(t), f, s, e) }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            out.append(UInt8(Self.nibble(a) << 4 | Self.nibble(b)))
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8 { c >= 0x61 ? c - 0x61 + 10 : (c >= 0x41 ? c - 0x41 + 10 : c - 0x30) }

    // MARK: layout

    /// [ELF header][debug sections, 8-aligned][build-id note][section names][section headers]: the
    /// sections' offsets, the header bytes and the tail bytes (note, names, headers).
    private mutating func layOut() {
        var off: UInt64 = 64
        for i in sections.indices {
            off = (off &+ 7) & ~7
            sections[i].offset = off
            off &+= sections[i].size
        }
        off = (off &+ 7) & ~7
        tailOffset = off
        var note = ELFBytes(order: order)
        note.u32(4)
        note.u32(UInt32(buildID.count))
        note.u32(3)  // NT_GNU_BUILD_ID
        note.raw(Array("GNU\0".utf8) + buildID)
        note.pad(to: 4)
        var names = ELFBytes(order: order)
        names.raw([0])
        var nameOffsets: [UInt32] = []
        for n in sections.map(\.name) + [".note.gnu.build-id", ".shstrtab"] {
            nameOffsets.append(UInt32(names.bytes.count))
            names.raw(Array(n.utf8) + [0])
        }
        let noteOffset = off, namesOffset = off &+ UInt64(note.bytes.count)
        var t = ELFBytes(order: order)
        t.raw(note.bytes + names.bytes)
        t.pad(to: 8)
        let shoff = off &+ UInt64(t.bytes.count)
        t.raw([UInt8](repeating: 0, count: 64))  // SHN_UNDEF
        for (i, s) in sections.enumerated() {
            t.sectionHeader(
                name: nameOffsets[i], type: s.type, flags: s.flags, offset: s.offset, size: s.size, align: 1,
                entrySize: s.entrySize)
        }
        t.sectionHeader(
            name: nameOffsets[sections.count], type: 7, flags: 0, offset: noteOffset, size: UInt64(note.bytes.count),
            align: 4, entrySize: 0)
        t.sectionHeader(
            name: nameOffsets[sections.count + 1], type: 3, flags: 0, offset: namesOffset,
            size: UInt64(names.bytes.count), align: 1, entrySize: 0)
        tail = t.bytes
        header = elfHeader(sectionHeaders: shoff, count: UInt16(sections.count + 3))
    }

    private func elfHeader(sectionHeaders shoff: UInt64, count: UInt16) -> [UInt8] {
        var h = ELFBytes(order: order)
        h.raw(ident)
        h.u16(type)
        h.u16(machine)
        h.u32(1)  // EV_CURRENT
        h.u64(0)  // e_entry
        h.u64(0)  // e_phoff: no program headers
        h.u64(shoff)
        h.u32(flags)
        h.u16(64)
        h.u16(0)
        h.u16(0)
        h.u16(64)
        h.u16(count)
        h.u16(count - 1)  // .shstrtab
        return h.bytes
    }

    /// The copy's size: its tail ends the file.
    var fileSize: UInt64 { tailOffset &+ UInt64(tail.count) }
}

/// Bytes of an ELF structure in one byte order.
struct ELFBytes {
    let order: ByteOrder
    var bytes: [UInt8] = []
    init(order: ByteOrder) { self.order = order }

    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func pad(to n: Int) { while bytes.count % n != 0 { bytes.append(0) } }
    mutating func u16(_ v: UInt16) { put(UInt64(v), 2) }
    mutating func u32(_ v: UInt32) { put(UInt64(v), 4) }
    mutating func u64(_ v: UInt64) { put(v, 8) }

    private mutating func put(_ v: UInt64, _ n: Int) {
        for i in 0..<n {
            let shift = order == .little ? i * 8 : (n - 1 - i) * 8
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }

    mutating func sectionHeader(
        name: UInt32, type: UInt32, flags: UInt64, offset: UInt64, size: UInt64, align: UInt64, entrySize: UInt64
    ) {
        u32(name)
        u32(type)
        u64(flags)
        u64(0)  // sh_addr
        u64(offset)
        u64(size)
        u32(0)  // sh_link
        u32(0)  // sh_info
        u64(align)
        u64(entrySize)
    }
}
