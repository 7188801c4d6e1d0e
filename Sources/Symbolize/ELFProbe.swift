// What a folder scan needs of each file (ScannedBinaries.swift), read with a few preads instead of mapping
// the file: mapping and unmapping each of a folder's 100 binaries cost 6 ms of a 44 ms fold, most of it
// munmap waiting on the page warmer's faults and flushing the other core's TLB.
import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// An ELF file's build-ids and whether it is a debug-only file, as `ELFFile` gives them (`isDebugOnly`,
/// `buildID`, `goBuildID()`), read without mapping the file.
struct ELFProbe: Equatable {
    var isDebugOnly: Bool
    var buildID: String?
    var goBuildID: String?

    /// What `probe` found.
    enum Outcome: Equatable {
        case elf(ELFProbe)
        /// `ELFFile` would refuse the file.
        case notELF
        /// A table is too large (or its bounds wrap) to read this way: ask `ELFFile`.
        case unsure
    }

    /// Tables larger than this are left to `ELFFile` (real binaries: a few KB of section headers and names).
    static let maxTable = 1 << 20

    /// Probes the regular file at `path`.
    static func probe(path: String) -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .notELF }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 else { return .unsure }
        return probe(size: UInt64(st.st_size)) { offset, count in
            guard count >= 0, count <= maxTable, let b = DebugSectionCache.read(fd, at: offset, count: count),
                b.count == count
            else { return nil }
            return b
        }
    }

    /// Probes a file of `size` bytes that `read(offset, count)` reads from (nil: could not).
    static func probe(size: UInt64, read: (UInt64, Int) -> [UInt8]?) -> Outcome {
        guard size >= 64, let h = read(0, 64) else { return .notELF }
        guard h[0] == 0x7f, h[1] == 0x45, h[2] == 0x4c, h[3] == 0x46, h[4] == 2, h[5] == 1 || h[5] == 2 else {
            return .notELF
        }
        let order: ByteOrder = h[5] == 1 ? .little : .big
        var c = ByteCursor(h.withUnsafeBytes { $0 }, order: order)
        guard (try? c.seek(to: 32)) != nil, let phoff = try? c.u64(), let shoff = try? c.u64(),
            (try? c.skip(6)) != nil, let phentsize = try? c.u16(), let phnum = try? c.u16(),
            let shentsize = try? c.u16(), let shnum = try? c.u16(), let shstrndx = try? c.u16()
        else { return .notELF }
        // ELFFile reads every program and section header from the file: all must lie in it.
        if phnum > 0 {
            guard phentsize >= 56, phoff < size,
                phoff + UInt64(phnum - 1) * UInt64(phentsize) + 56 <= size
            else { return .notELF }
        }
        guard shnum > 0 else { return .elf(ELFProbe(isDebugOnly: false, buildID: nil, goBuildID: nil)) }
        guard shentsize >= 64, shoff < size, shoff + UInt64(shnum - 1) * UInt64(shentsize) + 64 <= size else {
            return .notELF
        }
        guard let table = read(shoff, (Int(shnum) - 1) * Int(shentsize) + 64) else { return .unsure }
        return sections(table, count: Int(shnum), entrySize: Int(shentsize), names: Int(shstrndx),
                        order: order, size: size, read: read)
    }

    struct Header { var name: UInt32; var type: UInt32; var offset: UInt64; var size: UInt64 }

    /// The answers from the section headers (`table`).
    static func sections(
        _ table: [UInt8], count: Int, entrySize: Int, names shstrndx: Int, order: ByteOrder, size: UInt64,
        read: (UInt64, Int) -> [UInt8]?
    ) -> Outcome {
        var headers: [Header] = []
        table.withUnsafeBytes { b in
            for i in 0..<count {
                var s = ByteCursor(UnsafeRawBufferPointer(rebasing: b[i * entrySize..<i * entrySize + 64]), order: order)
                let name = (try? s.u32()) ?? 0, type = (try? s.u32()) ?? 0
                _ = try? s.skip(16)
                let offset = (try? s.u64()) ?? 0, sz = (try? s.u64()) ?? 0
                headers.append(Header(name: name, type: type, offset: offset, size: sz))
            }
        }
        // `.text`'s type, by the first section of that name (names as `ELFFile.named` reads them).
        var textType: UInt32?
        if shstrndx < headers.count {
            let strtab = headers[shstrndx]
            guard strtab.offset <= size, strtab.size <= size - strtab.offset else { return .unsure }
            guard let names = read(strtab.offset, Int(strtab.size)) else { return .unsure }
            textType = headers.first { h in
                // cString: from `name` to a NUL before the table's end; no NUL (or outside): unnamed.
                let n = Int(h.name)
                return UInt64(h.name) < strtab.size && n + 5 < names.count && names[n..<n + 6].elementsEqual(Array(".text\0".utf8))
            }?.type
        }
        var buildID: String?, goBuildID: String?
        for h in headers where h.type == 7 {  // SHT_NOTE, in section order
            guard h.offset <= size, h.size <= size - h.offset else { continue }  // `bytes(of:)` is nil
            guard let b = read(h.offset, Int(h.size)) else { return .unsure }
            notes(b, order: order) { type, namesz, name, desc in
                if buildID == nil, type == 3, namesz == 4, name.starts(with: [0x47, 0x4e, 0x55, 0]) {
                    buildID = desc.map { String(format2: $0) }.joined()
                }
                if goBuildID == nil, type == 4, namesz == 3 || namesz == 4, name.starts(with: [0x47, 0x6f, 0]),
                    desc.count <= 1024
                {
                    goBuildID = String(decoding: desc, as: UTF8.self)
                }
            }
        }
        return .elf(ELFProbe(isDebugOnly: textType == 8, buildID: buildID, goBuildID: goBuildID))
    }

    /// Each note of a SHT_NOTE section's bytes, as `ELFFile.firstNote` walks them.
    static func notes(_ bytes: [UInt8], order: ByteOrder, _ body: (UInt32, UInt32, [UInt8], [UInt8]) -> Void) {
        bytes.withUnsafeBytes { b in
            var c = ByteCursor(b, order: order)
            while c.remaining >= 12 {
                guard let namesz = try? c.u32(), let descsz = try? c.u32(), let t = try? c.u32() else { break }
                let np = (Int(namesz) + 3) & ~3, dp = (Int(descsz) + 3) & ~3
                guard let name = try? c.bytes(np), let desc = try? c.bytes(dp) else { break }
                body(t, namesz, Array(name), Array(desc.prefix(Int(descsz))))
            }
        }
    }
}
