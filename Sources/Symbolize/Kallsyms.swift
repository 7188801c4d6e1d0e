import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// Kernel text symbols from a `/proc/kallsyms`-format file: `address type name [module]` lines.
/// A symbol spans up to the next one, as perf assumes (kallsyms has no sizes). Names stay bytes until
/// looked up: /proc/kallsyms has 100k+ lines and a capture needs a few hundred of them.
/// Kernel symbol lookups, from a parsed kallsyms or a sorted cache searched in place.
public protocol KernelSymbolLookup: AnyObject {
    /// The symbol holding `address` (the last one starting at or before it) and where it starts.
    func symbolAndStart(at address: UInt64) -> (name: String, start: UInt64)?
    func address(of name: String) -> UInt64?
    /// `symbolAndStart(at:)`, with the caller's memo of the search's first probes (the same answer).
    func symbolAndStart(at address: UInt64, memo: inout KernelProbeMemo) -> (name: String, start: UInt64)?
}

extension KernelSymbolLookup {
    public func symbol(at address: UInt64) -> String? { symbolAndStart(at: address)?.name }
    public func symbolAndStart(at address: UInt64, memo: inout KernelProbeMemo) -> (name: String, start: UInt64)? {
        symbolAndStart(at: address)
    }
}

/// The first levels of `SortedKernelSymbols`' search, which every lookup probes alike: node k (root 1,
/// children 2k and 2k + 1) holds its probe's line, that line's address and the next line. Kept by the
/// caller (one fold), as the table is shared between threads and never written.
public struct KernelProbeMemo {
    struct Probe {
        var line = -1  // -1: not probed yet
        var next = 0
        var address: UInt64 = 0
        var readable = false
    }
    static let nodes = 1 << 10
    var probes: [Probe] = []
    /// The table probed: another one starts the memo afresh.
    var owner: ObjectIdentifier?
    public init() {}
}

public final class KernelSymbols: KernelSymbolLookup, @unchecked Sendable {
    // Immutable after init, hence @unchecked Sendable.
    let data: [UInt8]
    let addresses: [UInt64]
    /// start << 24 | length of each name in `data`, in address order.
    let names: [UInt64]

    public convenience init?(text: String) {
        self.init(bytes: Array(text.utf8))
    }

    public convenience init?(bytes: UnsafeRawBufferPointer) {
        self.init(bytes: Array(bytes))
    }

    /// Nil when the text holds no usable text symbol (all addresses 0 under kptr_restrict).
    init?(bytes b: [UInt8]) {
        var entries: [(UInt64, UInt64)] = []
        entries.reserveCapacity(b.count / 40)
        b.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count
            while i < n {
                var end = i
                while end < n, b[end] != 0x0a { end += 1 }
                defer { i = end + 1 }
                // "ffffffff81000000 T _text" or "... t name\t[module]"
                var addr: UInt64 = 0
                var k = i
                while k < end, let d = Self.hexValue(b[k]) { addr = addr << 4 | UInt64(d); k += 1 }
                guard k > i, addr != 0, k + 3 < end, b[k] == 0x20, b[k + 2] == 0x20 else { continue }
                let t = b[k + 1]
                guard t == 0x74 || t == 0x54 || t == 0x77 || t == 0x57 else { continue }  // t T w W
                let s = k + 3
                var e = s
                while e < end, b[e] != 0x09, b[e] != 0x20 { e += 1 }
                guard e > s, e - s < 1 << 24 else { continue }
                entries.append((addr, UInt64(s) << 24 | UInt64(e - s)))
            }
        }
        guard !entries.isEmpty else { return nil }
        // Mostly sorted already; ties keep file order.
        if !zip(entries, entries.dropFirst()).allSatisfy({ $0.0 <= $1.0 }) {
            let order = entries.indices.sorted {
                entries[$0].0 != entries[$1].0 ? entries[$0].0 < entries[$1].0 : $0 < $1
            }
            entries = order.map { entries[$0] }
        }
        data = b
        addresses = entries.map(\.0)
        names = entries.map(\.1)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    public var count: Int { addresses.count }

    func name(_ i: Int) -> String {
        let r = names[i]
        let s = Int(r >> 24), len = Int(r & 0xff_ffff)
        return String(decoding: data[s..<s + len], as: UTF8.self)
    }

    /// The symbol holding `address`: the last one starting at or before it.
    public func symbolAndStart(at address: UInt64) -> (name: String, start: UInt64)? {
        var lo = 0, hi = addresses.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if addresses[mid] <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? (name(lo - 1), addresses[lo - 1]) : nil
    }

    public func address(of wanted: String) -> UInt64? {
        let w = Array(wanted.utf8)
        for i in names.indices {
            let r = names[i]
            let s = Int(r >> 24), len = Int(r & 0xff_ffff)
            if len == w.count, data[s..<s + len].elementsEqual(w) { return addresses[i] }
        }
        return nil
    }

    /// The text symbols as kallsyms lines (`address T name`), for caching.
    public func textLines() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(addresses.count * 40)
        for i in addresses.indices {
            let hex = String(addresses[i], radix: 16)
            out.append(contentsOf: Array(repeating: 0x30, count: max(0, 16 - hex.utf8.count)))
            out.append(contentsOf: Array(hex.utf8))
            out.append(contentsOf: [0x20, 0x54, 0x20])
            let r = names[i]
            let s = Int(r >> 24), len = Int(r & 0xff_ffff)
            out.append(contentsOf: data[s..<s + len])
            out.append(0x0a)
        }
        return out
    }
}

/// A kallsyms cache written by `textLines()` (sorted, 16-digit addresses), searched in place: no parsing
/// of its 100k+ lines when a capture needs a few hundred of them.
public final class SortedKernelSymbols: KernelSymbolLookup, @unchecked Sendable {
    let file: MappedFile

    public init?(path: String) {
        guard let f = try? MappedFile(path: path), f.count > 20 else { return nil }
        file = f
    }

    /// The start of the line holding byte `i` (the search's probes each scan a line: no bounds check per byte).
    func lineStart(_ i: Int) -> Int {
        guard let base = file.bytes.baseAddress else { return 0 }
        var i = min(i, file.count)
        // Eight bytes at a time while they hold no newline (a zero byte of w ^ 0x0a0a…): most of a lookup
        // was this scan, a byte at a time over ~20 bytes per probe.
        while i >= 8 {
            let x = base.loadUnaligned(fromByteOffset: i &- 8, as: UInt64.self) ^ 0x0a0a_0a0a_0a0a_0a0a
            if (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0 { break }
            i &-= 8
        }
        while i > 0, base.load(fromByteOffset: i &- 1, as: UInt8.self) != 0x0a { i &-= 1 }
        return i
    }

    /// The start of the line after the one starting at `l` (`file.count` past the last).
    func nextLine(_ l: Int) -> Int {
        guard l < file.count, let base = file.bytes.baseAddress, let nl = memchr(base + l, 0x0a, file.count - l) else {
            return file.count &+ 1
        }
        return base.distance(to: UnsafeRawPointer(nl)) &+ 1
    }

    func address(atLine l: Int) -> UInt64? {
        guard l >= 0, l + 16 <= file.count, let base = file.bytes.baseAddress else { return nil }
        var a: UInt64 = 0
        for k in l..<l + 16 {
            guard let d = KernelSymbols.hexValue(base.load(fromByteOffset: k, as: UInt8.self)) else { return nil }
            a = a << 4 | UInt64(d)
        }
        return a
    }

    func name(atLine l: Int) -> String {
        var e = l + 19
        while e < file.count, file.bytes[e] != 0x0a { e += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: file.bytes[min(l + 19, e)..<e]), as: UTF8.self)
    }

    /// The last symbol starting at or before `address`.
    public func symbolAndStart(at address: UInt64) -> (name: String, start: UInt64)? {
        var none = KernelProbeMemo()  // no nodes: every probe made afresh
        return search(address, memo: &none)
    }

    /// `symbolAndStart(at:)` taking its first ten levels of probes from `memo` (a 5 MB cache is searched in
    /// ~22 probes, each a 16-digit parse): the probes are a pure function of the file.
    public func symbolAndStart(at address: UInt64, memo: inout KernelProbeMemo) -> (name: String, start: UInt64)? {
        if memo.owner != ObjectIdentifier(self) || memo.probes.isEmpty {
            memo.probes = Array(repeating: KernelProbeMemo.Probe(), count: KernelProbeMemo.nodes)
            memo.owner = ObjectIdentifier(self)
        }
        return search(address, memo: &memo)
    }

    /// Binary search over byte offsets, each probe snapped to its line; the first `memo.probes.count` nodes
    /// of the search tree (root 1, children 2k and 2k + 1) read from and kept in `memo`.
    private func search(_ address: UInt64, memo: inout KernelProbeMemo) -> (name: String, start: UInt64)? {
        let nodes = memo.probes.count
        var lo = 0, hi = file.count
        var best: Int?
        var node = 1
        while lo < hi {
            var p = KernelProbeMemo.Probe()
            if node < nodes, memo.probes[node].line >= 0 {
                p = memo.probes[node]
            } else {
                p.line = lineStart((lo + hi) / 2)
                if let a = self.address(atLine: p.line) { (p.address, p.readable) = (a, true) }
                p.next = nextLine(p.line)
                if node < nodes { memo.probes[node] = p }
            }
            guard p.readable else { return nil }
            if p.address <= address {
                best = p.line
                lo = p.next
                node = node < nodes ? 2 &* node &+ 1 : node
            } else {
                hi = p.line
                node = node < nodes ? 2 &* node : node
            }
        }
        guard let best, let start = self.address(atLine: best) else { return nil }
        return (name(atLine: best), start)
    }

    public func address(of wanted: String) -> UInt64? {
        let w = Array(wanted.utf8)
        var l = 0
        while l < file.count {
            var e = l
            while e < file.count, file.bytes[e] != 0x0a { e += 1 }
            if e - (l + 19) == w.count, file.bytes[(l + 19)..<e].elementsEqual(w) { return address(atLine: l) }
            l = e + 1
        }
        return nil
    }
}
