import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// Open-addressing tables over flat arrays for the per-sample hot path of folding perf.data.
/// Swift's Dictionary hashes with SipHash and stores arrays as separately allocated values;
/// per frame and per sample that was over a third of the time on a 475k-sample capture.

@inline(__always) func mix64(_ x: UInt64) -> UInt64 {
    // splitmix64 finaliser: cheap and spreads low bits into the high ones used for the index.
    var z = x &+ 0x9e37_79b9_7f4a_7c15
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
}

/// (address, tag) -> a run of UInt32 ids. The tag must be non-zero (0 marks an empty slot).
typealias FrameRunCache = RunTable<FrameRunSlot>

/// One slot per entry, so a probe touches one cache line.
struct FrameRunSlot: RunTableSlot {
    var address: UInt64 = 0
    var tag: UInt64 = 0
    var run: UInt64 = 0  // start << 32 | count, into `pool`

    static var empty: Self { Self() }
    var isEmpty: Bool { tag == 0 }
    var hash: UInt64 { Self.hash(address, tag) }
    @inline(__always) static func hash(_ address: UInt64, _ tag: UInt64) -> UInt64 {
        mix64(address ^ tag &* 0x2545_f491_4f6c_dd1d)
    }
}

extension RunTable where Slot == FrameRunSlot {
    /// The run's (start, count) in `pool`, if cached.
    @inline(__always) func find(_ address: UInt64, tag: UInt64) -> (Int, Int)? {
        find(hash: Slot.hash(address, tag)) { $0.tag == tag && $0.address == address }
    }

    mutating func insert(_ address: UInt64, tag: UInt64, run: [UInt32]) -> (Int, Int) {
        precondition(tag != 0)
        return insert(run: run) { FrameRunSlot(address: address, tag: tag, run: $0) }
    }

    /// `insert` of one id.
    @discardableResult
    mutating func insert(_ address: UInt64, tag: UInt64, one v: UInt32) -> (Int, Int) {
        precondition(tag != 0)
        return insert(one: v) { FrameRunSlot(address: address, tag: tag, run: $0) }
    }
}

/// Unique stacks of UInt32 ids with a weight each, stored back to back in one pool.
struct StackCounter {
    private var slots: [Int32]  // index into `entries`, -1 empty
    private var mask: Int
    private(set) var pool: [UInt32] = []
    /// start, count, hash, weight per unique stack.
    private(set) var starts: [UInt32] = []
    private(set) var counts: [UInt32] = []
    private var hashes: [UInt64] = []
    /// Per unique stack its weight and samples (the weight sums their periods): one array, so that
    /// counting a sample again checks one array's uniqueness, not two.
    private var tallies: [Tally] = []
    struct Tally {
        var weight: UInt64
        var samples: UInt64
    }

    init(capacity: Int = 1 << 12) {
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
    }

    var uniqueCount: Int { starts.count }

    @inline(__always) static func hash(_ ids: UnsafeBufferPointer<UInt32>) -> UInt64 {
        var h: UInt64 = UInt64(ids.count) &* 0x9e37_79b9_7f4a_7c15
        for v in ids { h = (h ^ UInt64(v)) &* 0x100_0000_01b3 &+ (h >> 29) }
        return mix64(h)
    }

    /// Adds a stack's weight; returns its index among the unique stacks.
    @discardableResult
    mutating func add(_ stack: [UInt32], weight: UInt64) -> Int {
        stack.withUnsafeBufferPointer { add($0, weight: weight) }
    }

    @discardableResult
    mutating func add(_ ids: UnsafeBufferPointer<UInt32>, weight: UInt64) -> Int {
        let h = Self.hash(ids)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[i])
            if e < 0 { break }
            if hashes[e] == h, Int(counts[e]) == ids.count, equal(e, ids) {
                tallies[e].weight &+= weight
                tallies[e].samples &+= 1
                return e
            }
            i = (i &+ 1) & mask
        }
        let e = starts.count
        starts.append(UInt32(pool.count))
        counts.append(UInt32(ids.count))
        hashes.append(h)
        tallies.append(Tally(weight: weight, samples: 1))
        pool.append(contentsOf: ids)
        slots[i] = Int32(e)
        if (e + 1) * 2 > slots.count { grow() }
        return e
    }

    /// Adds a sample of weight `weight` to unique stack `e` (an index `add` returned).
    @inline(__always) mutating func count(_ e: Int, weight: UInt64) {
        tallies[e].weight &+= weight
        tallies[e].samples &+= 1
    }

    /// The ids of unique stack `e`.
    func stack(_ e: Int) -> ArraySlice<UInt32> {
        let s = Int(starts[e])
        return pool[s..<s + Int(counts[e])]
    }

    @inline(__always) private func equal(_ e: Int, _ ids: UnsafeBufferPointer<UInt32>) -> Bool {
        let s = Int(starts[e])
        return pool.withUnsafeBufferPointer { p in
            var k = 0
            while k < ids.count {
                if p[s &+ k] != ids[k] { return false }
                k &+= 1
            }
            return true
        }
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = Array(repeating: -1, count: n)
        mask = n - 1
        for e in hashes.indices {
            var i = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[i] >= 0 { i = (i &+ 1) & mask }
            slots[i] = Int32(e)
        }
    }

    /// Each unique stack and its weight.
    func forEach(_ body: (ArraySlice<UInt32>, UInt64) -> Void) {
        for e in starts.indices {
            let s = Int(starts[e])
            body(pool[s..<s + Int(counts[e])], tallies[e].weight)
        }
    }

    /// Each unique stack, its weight and its sample count.
    func forEachCounted(_ body: (ArraySlice<UInt32>, UInt64, UInt64) -> Void) {
        for e in starts.indices {
            let s = Int(starts[e])
            body(pool[s..<s + Int(counts[e])], tallies[e].weight, tallies[e].samples)
        }
    }
}

/// Byte strings (with a small tag) -> a run of UInt32 ids: whole `perf script` frame lines to their names.
struct ByteRunCache {
    struct Slot: RunTableSlot {
        var hash: UInt64 = 0
        var keyStart: UInt32 = 0
        var keyCount: UInt32 = 0  // 0 = empty (keys are never empty)
        var run: UInt64 = 0

        static var empty: Self { Self() }
        var isEmpty: Bool { keyCount == 0 }
    }
    private var table: RunTable<Slot>
    private var keys: [UInt8] = []
    /// Mixed into every hash: the keys are the input's (names, lines), and a fixed hash would let a
    /// crafted input put them all on one probe path. Ids do not depend on it, so outputs do not.
    private let seed: UInt64
    var pool: [UInt32] { table.pool }

    init(capacity: Int = 1 << 12) {
        table = RunTable(capacity: capacity)
        var h = Hasher()  // per-process random seed (fixed under SWIFT_DETERMINISTIC_HASHING)
        h.combine(capacity)
        seed = UInt64(bitPattern: Int64(h.finalize()))
    }

    @inline(__always) static func hash(_ b: UnsafeRawBufferPointer, tag: UInt64) -> UInt64 {
        var h = tag &* 0x9e37_79b9_7f4a_7c15 ^ UInt64(b.count)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count { tail |= UInt64(b[i]) << shift; shift += 8; i += 1 }
        return mix64(h ^ tail)
    }

    func find(_ key: UnsafeRawBufferPointer, tag: UInt64) -> (hash: UInt64, run: (Int, Int)?) {
        let h = Self.hash(key, tag: tag ^ seed)
        let run = keys.withUnsafeBytes { k in
            table.find(hash: h) { s in
                s.hash == h && Int(s.keyCount) == key.count
                    && memcmp(k.baseAddress! + Int(s.keyStart), key.baseAddress!, key.count) == 0
            }
        }
        return (h, run)
    }

    /// Inserts after a failed `find` (same key, its hash).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash h: UInt64, run: [UInt32]) -> (Int, Int) {
        precondition(!key.isEmpty)
        let keyStart = keys.count
        keys.append(contentsOf: key)
        return table.insert(run: run) {
            Slot(hash: h, keyStart: UInt32(keyStart), keyCount: UInt32(key.count), run: $0)
        }
    }

    /// `insert` of a run of one id, without an array for it (a name's id, per new name).
    mutating func insert(_ key: UnsafeRawBufferPointer, hash h: UInt64, one id: UInt32) -> (Int, Int) {
        precondition(!key.isEmpty)
        let keyStart = keys.count
        keys.append(contentsOf: key)
        return table.insert(one: id) {
            Slot(hash: h, keyStart: UInt32(keyStart), keyCount: UInt32(key.count), run: $0)
        }
    }
}

/// A frame name as folded text may hold it: a name is the capture's (a process sets its own comm), so
/// `;` becomes `:` (as stackcollapse-perf.pl's tidy_generic does to function names) and control
/// characters (C0 with tab, CR and LF; DEL; C1) are written `\x0a`: a name can neither split a frame,
/// nor end the line and forge a count, nor drive the terminal the folded text is printed on.
func foldedName(_ name: [UInt8]) -> [UInt8] {
    var prevC2 = false
    let clean = name.allSatisfy { b in
        defer { prevC2 = b == 0xc2 }
        return b >= 0x20 && b != 0x3b && b != 0x7f && !(prevC2 && b >= 0x80 && b <= 0x9f)
    }
    if clean { return name }
    let text = TerminalText.escape(String(decoding: name, as: UTF8.self))
    return Array(text.utf8).map { $0 == 0x3b ? 0x3a : $0 }
}

/// Sorted `stack count` lines from unique stacks of name ids; stacks whose text coincides
/// (a name holding `;`) are merged.
func renderFolded(_ stacks: StackCounter, names encoded: [[UInt8]]) -> [UInt8] {
    var text: [UInt8] = []
    var ranges: [(start: Int, end: Int, weight: UInt64)] = []
    ranges.reserveCapacity(stacks.uniqueCount)
    stacks.forEach { ids, weight in
        let start = text.count
        appendStack(ids, names: encoded, to: &text)
        ranges.append((start, text.count, weight))
    }
    return sortedFoldedLines(text, ranges)
}

/// `stack samples weight` lines, sorted as `renderFolded`'s: the sample count in the first column (where
/// difffolded puts its first count), for a renderer that labels both.
func renderFoldedCounted(_ stacks: StackCounter, names encoded: [[UInt8]]) -> [UInt8] {
    var text: [UInt8] = []
    var ranges: [(start: Int, end: Int, weight: UInt64)] = []
    var samples: [UInt64] = []
    ranges.reserveCapacity(stacks.uniqueCount)
    stacks.forEachCounted { ids, weight, count in
        let start = text.count
        appendStack(ids, names: encoded, to: &text)
        ranges.append((start, text.count, weight))
        samples.append(count)
    }
    return sortedFoldedLines(text, ranges, samples: samples)
}

/// Folded lines of unique stacks under a root frame each: `prefixes[prefix];stack weight`.
func renderFolded(_ entries: [(prefix: Int, stack: Int32, weight: UInt64)], prefixes: [[UInt8]], stacks: StackCounter,
                  names encoded: [[UInt8]]) -> [UInt8] {
    var text: [UInt8] = []
    var ranges: [(start: Int, end: Int, weight: UInt64)] = []
    ranges.reserveCapacity(entries.count)
    for e in entries {
        let start = text.count
        text.append(contentsOf: prefixes[e.prefix])
        text.append(0x3b)
        appendStack(stacks.stack(Int(e.stack)), names: encoded, to: &text)
        ranges.append((start, text.count, e.weight))
    }
    return sortedFoldedLines(text, ranges)
}

@inline(__always) private func appendStack(_ ids: ArraySlice<UInt32>, names encoded: [[UInt8]], to text: inout [UInt8])
{
    var first = true
    for id in ids {
        if !first { text.append(0x3b) }
        first = false
        text.append(contentsOf: encoded[Int(id)])
    }
}

/// `text[range] weight` lines (`text[range] samples weight` with `samples`) sorted by bytes (memcmp), lines
/// of equal text merged.
private func sortedFoldedLines(_ text: [UInt8], _ ranges: [(start: Int, end: Int, weight: UInt64)],
                               samples: [UInt64]? = nil) -> [UInt8] {
    // Sorted as indices when sample counts ride along, so that both follow their line.
    let original = samples == nil ? [] : ranges
    var ranges =
        samples == nil
        ? ranges : ranges.enumerated().map { (start: $0.element.start, end: $0.element.end, weight: UInt64($0.offset)) }
    var out: [UInt8] = []
    text.withUnsafeBufferPointer { t in
        let base = t.baseAddress ?? UnsafePointer(bitPattern: 1)!
        func less(_ a: (start: Int, end: Int, weight: UInt64), _ b: (start: Int, end: Int, weight: UInt64)) -> Bool {
            let la = a.end - a.start, lb = b.end - b.start
            let c = memcmp(base + a.start, base + b.start, min(la, lb))
            return c != 0 ? c < 0 : la < lb
        }
        func same(_ a: (start: Int, end: Int, weight: UInt64), _ b: (start: Int, end: Int, weight: UInt64)) -> Bool {
            a.end - a.start == b.end - b.start && memcmp(base + a.start, base + b.start, a.end - a.start) == 0
        }
        ranges.sort(by: less)
        out.reserveCapacity(text.count + ranges.count * 8)
        var i = 0
        func weight(_ k: Int) -> UInt64 { samples == nil ? ranges[k].weight : original[Int(ranges[k].weight)].weight }
        while i < ranges.count {
            var w = weight(i)
            var n: UInt64 = samples.map { $0[Int(ranges[i].weight)] } ?? 0
            var j = i + 1
            while j < ranges.count, same(ranges[i], ranges[j]) {
                w &+= weight(j)
                if let samples { n &+= samples[Int(ranges[j].weight)] }
                j += 1
            }
            out.append(contentsOf: t[ranges[i].start..<ranges[i].end])
            out.append(0x20)
            if samples != nil {
                appendDecimal(n, to: &out)
                out.append(0x20)
            }
            appendDecimal(w, to: &out)
            out.append(0x0a)
            i = j
        }
    }
    return out
}

/// Frame ids of the sample being folded, emptied for each sample by resetting a count: Array's
/// `removeAll(keepingCapacity:)` goes through the general `replaceSubrange`, 1–2 % of a fold when
/// called per sample.
struct FrameScratch {
    private var storage: [UInt32] = []
    private(set) var count = 0

    @inline(__always) mutating func removeAll() { count = 0 }

    @inline(__always) mutating func append(_ id: UInt32) {
        if count < storage.count { storage[count] = id } else { storage.append(id) }
        count &+= 1
    }

    /// Appends `n` ids that `body` writes through one pointer (one uniqueness check, not one per id).
    @inline(__always) mutating func append(count n: Int, _ body: (UnsafeMutablePointer<UInt32>) -> Void) {
        guard n > 0 else { return }
        let start = count, end = count &+ n
        if storage.count < end { storage += repeatElement(0, count: end &- storage.count) }
        storage.withUnsafeMutableBufferPointer { body($0.baseAddress.unsafelyUnwrapped + start) }
        count = end
    }

    @inline(__always) func withIDs<R>(_ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
        storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<count])) }
    }
}
