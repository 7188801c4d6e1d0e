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
            guard count >= 0, count <= maxTable else { return nil }
            return DebugSectionCache.read(fd, at: offset, count: count)
        }
    }

    /// Probes a file of `size` bytes that `read(offset, count)` reads from (nil: could not).
    static func probe(size: UInt64, read: (UInt64, Int) -> [UInt8]?) -> Outcome {
        guard size >= 64, let bytes = read(0, 64) else { return .notELF }
        let header = bytes.withUnsafeBytes { b -> ELFHeader? in
            var c = ByteCursor(b)
            return try? ELFHeader.read(&c)
        }
        // ELFFile reads every program and section header from the file: all must lie in it.
        guard let h = header, !h.programHeadersRefused(fileSize: size), !h.sectionHeadersRefused(fileSize: size),
            h.phnum == 0 || h.phoff + UInt64(h.phnum - 1) * UInt64(h.phentsize) + 56 <= size
        else { return .notELF }
        guard h.shnum > 0 else { return .elf(ELFProbe(isDebugOnly: false, buildID: nil, goBuildID: nil)) }
        let (shoff, shnum, shentsize) = (h.shoff, h.shnum, h.shentsize)
        guard shoff + UInt64(shnum - 1) * UInt64(shentsize) + 64 <= size else { return .notELF }
        guard let table = read(shoff, (shnum - 1) * shentsize + 64) else { return .unsure }
        return sections(table, count: shnum, entrySize: shentsize, names: h.shstrndx, order: h.order, size: size,
                        read: read)
    }

    /// The answers from the section headers (`table`), read as `ELFFile` reads them.
    static func sections(
        _ table: [UInt8], count: Int, entrySize: Int, names shstrndx: Int, order: ByteOrder, size: UInt64,
        read: (UInt64, Int) -> [UInt8]?
    ) -> Outcome {
        let raw = table.withUnsafeBytes { b in
            try? ELFFile.sectionHeaders(ByteCursor(b, order: order), at: 0, entrySize: entrySize, count: count)
        }
        guard let headers = raw else { return .unsure }
        // `.text`'s type, by the first section of that name (names as `ELFFile.named` reads them).
        var textType: UInt32?
        if shstrndx < headers.count {
            let strtab = headers[shstrndx].1
            guard strtab.offset <= size, strtab.size <= size - strtab.offset else { return .unsure }
            guard let names = read(strtab.offset, Int(strtab.size)) else { return .unsure }
            let text = Array(".text\0".utf8)
            textType = headers.first { nameOff, _ in
                // cString: from the name's offset to a NUL before the table's end; none (or outside): unnamed.
                let n = Int(nameOff)
                return n + text.count <= names.count && names[n..<n + text.count].elementsEqual(text)
            }?.1.type
        }
        var buildID: String?, goBuildID: String?
        for (_, h) in headers where h.type == 7 {  // SHT_NOTE, in section order
            guard h.offset <= size, h.size <= size - h.offset else { continue }  // `bytes(of:)` is nil
            guard let b = read(h.offset, Int(h.size)) else { return .unsure }
            b.withUnsafeBytes { b in
                buildID = buildID ?? ELFFile.firstNote(in: b, origin: 0, order: order, ELFFile.gnuBuildID)
                goBuildID = goBuildID ?? ELFFile.firstNote(in: b, origin: 0, order: order, ELFFile.goBuildIDNote)
            }
        }
        return .elf(ELFProbe(isDebugOnly: textType == 8, buildID: buildID, goBuildID: goBuildID))
    }
}
