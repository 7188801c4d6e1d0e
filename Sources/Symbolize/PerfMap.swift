// A JIT's symbol file, /tmp/perf-PID.map, read as perf reads it (symbol.c's dso__load_perf_map).
import BinaryIO

/// `START SIZE name` per line, START and SIZE in hex (strtoull base 16: optional `0x`); the name is the rest
/// of the line. The file is the JIT's (or anyone's): entries are kept as ranges of the mapped bytes, not
/// strings, and at most `maxEntries`; names are cut for output by the caller.
public struct PerfMap: Sendable {
    public struct Entry: Sendable {
        public var start: UInt64
        /// perf's end: start + size (wrapping), or start for size 0.
        public var end: UInt64
        var nameRange: Range<Int>
    }

    public let file: MappedFile
    /// Sorted by start; of entries with one start, file order.
    public private(set) var entries: [Entry] = []
    /// Lines past `maxEntries`, not read.
    public private(set) var linesLeftOut = 0

    public static let maxBytes = 1 << 30
    public static let maxEntries = 8_000_000

    /// Reads `path`: a regular file of at most `maxBytes`.
    public init(path: String) throws(SymbolizeError) {
        let f: MappedFile
        do { f = try MappedFile(path: path, regularOnly: true) } catch {
            throw SymbolizeError(path: path, offset: 0, message: error.message)
        }
        guard f.count <= Self.maxBytes else {
            throw SymbolizeError(path: path, offset: 0, message: "\(f.count) bytes, over the \(Self.maxBytes)-byte bound for a perf map; not read")
        }
        self.init(file: f)
    }

    public init(file: MappedFile) {
        self.file = file
        let b = file.bytes
        var lineStart = 0
        while lineStart < b.count {
            var end = lineStart
            while end < b.count, b[end] != 0x0a { end += 1 }
            // perf drops the line's last byte as its newline, even on a last line without one.
            let lineEnd = end < b.count ? end : max(lineStart, end - 1)
            if let e = Self.parse(b, lineStart..<lineEnd) {
                if entries.count < Self.maxEntries { entries.append(e) } else { linesLeftOut += 1 }
            }
            lineStart = end + 1
        }
        // A stable sort: entries at one start keep file order.
        entries = entries.enumerated().sorted { $0.element.start != $1.element.start ? $0.element.start < $1.element.start : $0.offset < $1.offset }.map(\.element)
    }

    /// One line as dso__load_perf_map takes it: a number, one separator byte, a number, one separator
    /// byte, and a name of at least 3 bytes (up to a NUL), else the line is skipped.
    static func parse(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Entry? {
        let (start, n1) = strtoull16(b, line.lowerBound, line.upperBound)
        var len = n1 + 1
        guard len + 2 < line.count else { return nil }
        let (size, n2) = strtoull16(b, line.lowerBound + len, line.upperBound)
        len += n2 + 1
        guard len + 2 < line.count else { return nil }
        var nameEnd = line.lowerBound + len
        while nameEnd < line.upperBound, b[nameEnd] != 0 { nameEnd += 1 }
        return Entry(start: start, end: size == 0 ? start : start &+ size, nameRange: (line.lowerBound + len)..<nameEnd)
    }

    /// C's strtoull(p, &end, 16) within [i, limit) (the line ends as its C string would): leading white
    /// space, a sign, an optional 0x, hex digits; saturates on overflow; (0, 0) without digits.
    static func strtoull16(_ b: UnsafeRawBufferPointer, _ from: Int, _ limit: Int) -> (UInt64, Int) {
        func hex(_ i: Int) -> UInt64? {
            guard i < limit else { return nil }
            switch b[i] {
            case 0x30...0x39: return UInt64(b[i] - 0x30)
            case 0x61...0x66: return UInt64(b[i] - 0x61 + 10)
            case 0x41...0x46: return UInt64(b[i] - 0x41 + 10)
            default: return nil
            }
        }
        var i = from
        while i < limit, b[i] == 0x20 || (0x09...0x0d).contains(b[i]) { i += 1 }
        var negative = false
        if i < limit, b[i] == 0x2b || b[i] == 0x2d { negative = b[i] == 0x2d; i += 1 }
        if i + 1 < limit, b[i] == 0x30, b[i + 1] | 0x20 == 0x78, hex(i + 2) != nil { i += 2 }
        guard hex(i) != nil else { return (0, 0) }
        var v: UInt64 = 0, overflow = false
        while let d = hex(i) {
            if v > (UInt64.max - d) / 16 { overflow = true } else { v = v * 16 + d }
            i += 1
        }
        if overflow { return (.max, i - from) }
        return (negative ? 0 &- v : v, i - from)
    }

    /// The entry perf names `a` with (symbols__find's test): the last one starting at or before `a` that
    /// holds it, or starts at it when empty.
    public func entry(at a: UInt64) -> Entry? {
        guard let i = entries.lastIndex(atOrBefore: a, by: \.start) else { return nil }
        let e = entries[i]
        return a > e.end || (a == e.end && a != e.start) ? nil : e
    }

    public func name(of e: Entry) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: file.bytes[e.nameRange]), as: UTF8.self)
    }
}
