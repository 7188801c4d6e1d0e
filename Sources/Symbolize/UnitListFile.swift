// The compile units of an inflated DWARF copy, kept beside it: listing them means reading every unit's
// DIE and ranges through libdw (libc's debug file: 2,257 units, 41 M instructions a run), though a fold
// indexes a few dozen. The list is what `DwarfIndex` would list from the copy; it is bound to the copy by
// a key (build-id and fingerprint) and trusted as the copy is: this user's own private file.
import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

enum UnitListFile {
    struct List: Equatable {
        /// Each unit's DIE offset in `.debug_info`, in listing order.
        var offsets: [UInt64]
        /// Each unit's address ranges (none: a unit without ranges).
        var ranges: [[(UInt64, UInt64)]]
        /// The units without ranges were walked and hold no function with an address: a lookup need not
        /// walk them again (libc's debug file has 126 such units, 11 M instructions a run).
        var unrangedHoldNoFunction = false

        static func == (a: List, b: List) -> Bool {
            a.offsets == b.offsets && a.unrangedHoldNoFunction == b.unrangedHoldNoFunction
                && a.ranges.count == b.ranges.count
                && zip(a.ranges, b.ranges).allSatisfy { $0.elementsEqual($1) { $0 == $1 } }
        }
    }

    static let magic = Array("stackfold-units-2\n".utf8)
    /// At most this many units and ranges (libc has 2,257 units; Go binaries a few hundred).
    static let maxEntries = 4_000_000

    /// [magic][key length u32][key][units u32][per unit: offset u64, ranges u32, (lo u64, hi u64)…]
    /// [unrangedHoldNoFunction u8], little endian.
    static func encode(_ list: List, key: [UInt8]) -> [UInt8] {
        var b = ELFBytes(order: .little)
        b.raw(magic)
        b.u32(UInt32(key.count))
        b.raw(key)
        b.u32(UInt32(list.offsets.count))
        for (u, off) in list.offsets.enumerated() {
            b.u64(off)
            b.u32(UInt32(list.ranges[u].count))
            for (lo, hi) in list.ranges[u] {
                b.u64(lo)
                b.u64(hi)
            }
        }
        b.raw([list.unrangedHoldNoFunction ? 1 : 0])
        return b.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, key: [UInt8]) -> List? {
        var c = ByteCursor(bytes, order: .little)
        guard (try? c.bytes(magic.count))?.elementsEqual(magic) == true,
            let kn = try? c.u32(), Int(kn) == key.count, (try? c.bytes(key.count))?.elementsEqual(key) == true,
            let n = try? c.u32(), Int(n) <= maxEntries
        else { return nil }
        var list = List(offsets: [], ranges: [])
        var entries = 0
        for _ in 0..<n {
            guard let off = try? c.u64(), let rn = try? c.u32() else { return nil }
            entries += 1 + Int(rn)
            guard entries <= maxEntries, Int(rn) * 16 <= c.remaining else { return nil }
            var r: [(UInt64, UInt64)] = []
            r.reserveCapacity(Int(rn))
            for _ in 0..<rn {
                guard let lo = try? c.u64(), let hi = try? c.u64(), lo < hi else { return nil }
                r.append((lo, hi))
            }
            list.offsets.append(off)
            list.ranges.append(r)
        }
        guard let flag = try? c.u8(), flag <= 1 else { return nil }
        list.unrangedHoldNoFunction = flag == 1
        return c.remaining == 0 ? list : nil
    }

    /// The list in `path`, when it is this user's private regular file (no symlink) for `key`.
    static func read(_ path: String, key: [UInt8]) -> List? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0,
            st.st_size > 0, st.st_size <= 16 * maxEntries + 4096
        else { return nil }
        guard let bytes = DebugSectionCache.read(fd, at: 0, count: Int(st.st_size)) else { return nil }
        return bytes.withUnsafeBytes { decode($0, key: key) }
    }

    /// Best effort, beside the copy: a temporary file (0600) renamed into place.
    static func write(_ list: List, to path: String, key: [UInt8]) {
        let tmp = "\(path).\(getpid())-\(String(UInt64.random(in: 0 ... .max), radix: 16)).tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let ok = encode(list, key: key).withUnsafeBytes { DebugSectionCache.writeAll(fd, $0, at: 0) }
        close(fd)
        if !ok || rename(tmp, path) != 0 { unlink(tmp) }
    }
}

extension DwarfIndex {
    /// Keeps the unit list in `copy.units`, bound to the copy's name (its build-id and fingerprint).
    func useUnitListFile(beside copy: String) {
        unitListFile = copy + ".units"
        unitListKey = Array(basename(copy).utf8)
    }
}
