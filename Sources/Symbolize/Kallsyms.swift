import BinaryIO

/// Kernel symbol lookups, from a parsed kallsyms or the per-boot cache searched in place.
public protocol KernelSymbolLookup: AnyObject {
    /// The symbol holding `address` (the last one starting at or before it) and where it starts.
    func symbolAndStart(at address: UInt64) -> (name: String, start: UInt64)?
    func address(of name: String) -> UInt64?
}

extension KernelSymbolLookup {
    public func symbol(at address: UInt64) -> String? { symbolAndStart(at: address)?.name }
}

/// Kernel text symbols from a `/proc/kallsyms`-format file: `address type name [module]` lines.
/// A symbol spans up to the next one, as perf assumes (kallsyms has no sizes). Names stay bytes until
/// looked up: /proc/kallsyms has 100k+ lines and a capture needs a few hundred of them.
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

    /// The symbols in the per-boot cache's format (`SortedKernelSymbols`); nil when the names would not fit
    /// its 32-bit offsets (kallsyms holds a few MB of them).
    public func cacheBytes() -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(16 + addresses.count * 16 + data.count / 2)
        out.append(contentsOf: SortedKernelSymbols.magic)
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt64(addresses.count))
        var offset: UInt64 = 0
        for i in addresses.indices {
            let len = names[i] & 0xff_ffff
            put(addresses[i])
            put(len << 32 | offset)
            offset += len
            guard offset <= UInt64(UInt32.max) else { return nil }
        }
        for r in names {
            let s = Int(r >> 24), len = Int(r & 0xff_ffff)
            out.append(contentsOf: data[s..<s + len])
        }
        return out
    }
}

/// The per-boot kallsyms cache (`KernelSymbols.cacheBytes()`), searched in place: no parsing of
/// /proc/kallsyms' 100k+ lines when a capture needs a few hundred of them. Little-endian:
/// `SFKSYM01`, the count (u64), then per symbol in address order its address (u64) and name (u64: length
/// << 32 | start in the names), then the names. A lookup is a binary search over the fixed-size entries:
/// the cache's former text lines cost ~4,200 instructions a lookup, ~20 probes each snapped to its line
/// and parsed from 16 hex digits (docs/performance.md, "The kallsyms cache in binary").
public final class SortedKernelSymbols: KernelSymbolLookup, @unchecked Sendable {
    static let magic = Array("SFKSYM01".utf8)
    let file: MappedFile
    let base: UnsafeRawPointer
    public let count: Int
    /// Where the names start, and their bytes.
    let namesStart: Int
    let namesSize: Int

    /// Nil unless the file holds the magic and as many entries as it says (an old or damaged cache is
    /// written anew by its caller).
    public init?(path: String) {
        guard let f = try? MappedFile(path: path), f.count >= 16, let b = f.bytes.baseAddress,
              f.bytes.prefix(8).elementsEqual(Self.magic)
        else { return nil }
        let n = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        guard n > 0, n <= UInt64(f.count - 16) / 16 else { return nil }
        file = f
        base = b
        count = Int(n)
        namesStart = 16 + count * 16
        namesSize = f.count - namesStart
    }

    @inline(__always) func address(_ i: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 16 &+ i &* 16, as: UInt64.self))
    }

    /// Entry `i`'s name bytes; nil when they lie outside the names (a damaged file).
    func nameBytes(_ i: Int) -> UnsafeRawBufferPointer? {
        let r = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 24 &+ i &* 16, as: UInt64.self))
        let start = Int(r & 0xffff_ffff), len = Int(r >> 32)
        guard start <= namesSize, len <= namesSize - start else { return nil }
        return UnsafeRawBufferPointer(start: base + namesStart + start, count: len)
    }

    /// The last symbol starting at or before `address`.
    public func symbolAndStart(at address: UInt64) -> (name: String, start: UInt64)? {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if self.address(mid) <= address { lo = mid &+ 1 } else { hi = mid }
        }
        guard lo > 0, let name = nameBytes(lo - 1) else { return nil }
        return (String(decoding: name, as: UTF8.self), self.address(lo - 1))
    }

    public func address(of wanted: String) -> UInt64? {
        let w = Array(wanted.utf8)
        for i in 0..<count {
            if let n = nameBytes(i), n.count == w.count, n.elementsEqual(w) { return address(i) }
        }
        return nil
    }
}
