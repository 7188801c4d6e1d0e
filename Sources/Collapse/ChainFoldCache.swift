// Per recorded callchain: the unique stack it folded to. A frame-pointer sample's folded stack is a function
// of its recorded chain, its pid, its CPU mode and its thread's root name, as long as the maps, the comms and
// the collapser's per-sample side tables stay as they were; most samples repeat a chain seen before (on the
// bench capture 75,952 samples have about 6,200 distinct chains). A repeated chain then costs one hash over its entries
// and one compare, instead of a name probe per entry, the stack-truth stage's repair and root cut, and the
// unique-stack table's hash over the names. Cleared whenever `sampleFrames` is (maps or comms changed).
//
// Used only where nothing else of the sample is read (`PerfCollapser.chainFoldable`): no recorded user
// stack, no location recording, no missing-binary or after-malformed-record counts (those are per sample
// and per name). A dwarf sample is unwound from its stack copy every time; the chain the unwinder would
// write (`stackTruth.chain`, perf's layout) is then looked up under its own key mode, compared with the
// unwound frames themselves, and written only on a miss (`keyUnwoundChain`).

import PerfData

struct ChainFoldCache {
    struct Entry {
        var hash: UInt64
        var start: Int
        var count: Int32
        var pid: Int32
        var root: UInt32
        /// The unique stack (`StackCounter` index) the chain folded to.
        var stack: Int32
        var mode: UInt16
        /// What the frame-pointer repair did: 0 nothing, 1 a caller inserted, 2 a placeholder inserted.
        var repair: UInt8
    }

    private var slots: [Int32]
    private var mask: Int
    private(set) var entries: [Entry] = []
    private var pool: [UInt64] = []
    /// Chain entries kept at most (8 bytes each): past it, new chains are folded without being cached.
    static let poolLimit = 1 << 24

    init(capacity: Int = 1 << 12) {
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
    }

    /// `mode` of a chain an unwinder wrote (`stackTruth.chain`), so that it never equals a recorded one.
    static let unwound: UInt16 = 0x200
    /// `mode` of an unwound chain whose last entry is the truncation marker's name id, not an address.
    static let truncated: UInt16 = 0x400

    @inline(__always)
    static func hash<C: RandomAccessCollection>(_ chain: C, pid: Int32, mode: UInt16, root: UInt32) -> UInt64
    where C.Element == UInt64, C.Index == Int {
        var h = UInt64(UInt32(bitPattern: pid)) << 32 | UInt64(root) ^ UInt64(mode) << 48
        h = h &+ UInt64(chain.count) &* 0x9e37_79b9_7f4a_7c15
        var i = chain.startIndex
        while i < chain.endIndex {
            h = (h ^ chain[i]) &* 0x100_0000_01b3 &+ (h >> 29)
            i &+= 1
        }
        return mix64(h)
    }

    /// One entry's step of `hash`.
    @inline(__always) static func fold(_ h: UInt64, _ v: UInt64) -> UInt64 {
        (h ^ v) &* 0x100_0000_01b3 &+ (h >> 29)
    }

    /// The hash of a chain an unwinder wrote, from `body`, its addresses folded while it was written
    /// (`SampleUnwindState.chainBody`): no second pass over the chain. Not `hash`'s value: unwound chains are
    /// only ever looked up with this one. Equal chains from equal frames hash alike; `find` compares the
    /// entries themselves.
    @inline(__always)
    static func unwoundHash(body: UInt64, count: Int, pid: Int32, mode: UInt16, root: UInt32) -> UInt64 {
        let h = UInt64(UInt32(bitPattern: pid)) << 32 | UInt64(root) ^ UInt64(mode) << 48
        return mix64((h &+ UInt64(count) &* 0x9e37_79b9_7f4a_7c15) ^ body)
    }

    /// The entry index of the chain, if cached.
    @inline(__always)
    func find<C: RandomAccessCollection>(_ chain: C, hash h: UInt64, pid: Int32, mode: UInt16, root: UInt32) -> Int?
    where C.Element == UInt64, C.Index == Int {
        slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                var i = Int(truncatingIfNeeded: h) & mask
                while true {
                    let e = Int(slots[i])
                    if e < 0 { return nil }
                    let x = entries[e]
                    if x.hash == h, Int(x.count) == chain.count, x.pid == pid, x.root == root, x.mode == mode,
                       equal(x.start, chain) { return e }
                    i = (i &+ 1) & mask
                }
            }
        }
    }

    /// `find` for a chain not written out: `equal` compares an entry's chain (as long as `count`) with it.
    @inline(__always)
    func find(hash h: UInt64, count: Int, pid: Int32, mode: UInt16, root: UInt32,
              equal: (UnsafeBufferPointer<UInt64>) -> Bool) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                pool.withUnsafeBufferPointer { pool in
                    var i = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let e = Int(slots[i])
                        if e < 0 { return nil }
                        let x = entries[e]
                        if x.hash == h, Int(x.count) == count, x.pid == pid, x.root == root, x.mode == mode,
                           equal(UnsafeBufferPointer(rebasing: pool[x.start..<x.start &+ count])) { return e }
                        i = (i &+ 1) & mask
                    }
                }
            }
        }
    }

    @inline(__always)
    private func equal<C: RandomAccessCollection>(_ start: Int, _ chain: C) -> Bool where C.Element == UInt64, C.Index == Int {
        pool.withUnsafeBufferPointer { p in
            var k = 0
            while k < chain.count {
                if p[start &+ k] != chain[chain.startIndex &+ k] { return false }
                k &+= 1
            }
            return true
        }
    }

    /// Caches a chain `find` did not have (nothing when the pool is full).
    mutating func insert<C: RandomAccessCollection>(_ chain: C, hash h: UInt64, pid: Int32, mode: UInt16, root: UInt32,
                                                    stack: Int, repair: UInt8) where C.Element == UInt64, C.Index == Int {
        guard pool.count <= Self.poolLimit - chain.count, stack <= Int(Int32.max) else { return }
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 { i = (i &+ 1) & mask }
        slots[i] = Int32(entries.count)
        entries.append(Entry(hash: h, start: pool.count, count: Int32(chain.count), pid: pid, root: root,
                             stack: Int32(stack), mode: mode, repair: repair))
        pool.append(contentsOf: chain)
        if entries.count * 2 > slots.count { grow() }
    }

    mutating func removeAll() {
        guard !entries.isEmpty else { return }
        for i in slots.indices { slots[i] = -1 }
        entries.removeAll(keepingCapacity: true)
        pool.removeAll(keepingCapacity: true)
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = Array(repeating: -1, count: n)
        mask = n - 1
        for e in entries.indices {
            var i = Int(truncatingIfNeeded: entries[e].hash) & mask
            while slots[i] >= 0 { i = (i &+ 1) & mask }
            slots[i] = Int32(e)
        }
    }
}

extension PerfCollapser {
    /// Whether the sample's folded stack is a function of its recorded chain alone (see the file header).
    @inline(__always)
    func chainFoldable(_ s: Sample, model: ProcessModel) -> Bool {
        s.userStack.count == 0 && !s.callchain.isEmpty && foldsCacheable(model: model)
    }

    /// Whether the fold of the chain an unwinder just wrote can be cached: for a dwarf sample
    /// (`FoldStack.unwound`), whose fold reads `stackTruth.chain`, its pid and its CPU mode alone.
    @inline(__always)
    func unwoundFoldable(model: ProcessModel) -> Bool { foldsCacheable(model: model) }

    /// What both caches need: counts not kept per sample (no location records, no binary missing, no
    /// malformed record met).
    @inline(__always)
    func foldsCacheable(model: ProcessModel) -> Bool {
        !options.recordLocations && missingNames.isEmpty && model.notes.malformedCount == 0
    }

    /// The key mode of `stackTruth.chain` as an unwinder wrote it.
    @inline(__always)
    func unwoundMode(_ s: Sample) -> UInt16 {
        // The chain ends in the truncation marker exactly when the unwind left one.
        let cut = unwindState.cutMarker != nil
        return s.cpuMode.rawValue | ChainFoldCache.unwound | (cut ? ChainFoldCache.truncated : 0)
    }

    /// Looks up the unwound chain: its hash (`unwoundHash`), and the cache entry of its earlier fold if any.
    /// A pending chain (`keyUnwoundChain`) is compared with the unwound frames, and written on a miss.
    @inline(__always)
    mutating func findUnwoundFold(_ s: Sample, root: UInt32, mode: UInt16) -> (hash: UInt64, entry: Int?) {
        if stackTruth.chain.pending {
            let n = unwindState.chainCount, marker = unwindState.cutMarker
            let f = UnsafePointer(unwindState.frames), count = unwindState.frameCount
            let h = ChainFoldCache.unwoundHash(body: unwindState.chainBody, count: n, pid: s.pid, mode: mode, root: root)
            let hit = chainFolds.find(hash: h, count: n, pid: s.pid, mode: mode, root: root) {
                Self.unwoundChainEquals($0, frames: f, count: count, marker: marker)
            }
            if hit == nil { writeUnwoundChain(s) }
            return (h, hit)
        }
        let t = stackTruth.chain
        return t.entries.withUnsafeBufferPointer { e in
            let chain = UnsafeBufferPointer(rebasing: e[..<t.count])
            let h = ChainFoldCache.unwoundHash(body: unwindState.chainBody, count: t.count, pid: s.pid, mode: mode, root: root)
            return (h, chainFolds.find(chain, hash: h, pid: s.pid, mode: mode, root: root))
        }
    }

    mutating func insertUnwoundFold(_ s: Sample, root: UInt32, mode: UInt16, hash: UInt64, stack: Int) {
        if stackTruth.chain.pending { writeUnwoundChain(s) }
        let t = stackTruth.chain
        t.entries.withUnsafeBufferPointer { e in
            chainFolds.insert(UnsafeBufferPointer(rebasing: e[..<t.count]), hash: hash, pid: s.pid, mode: mode, root: root,
                              stack: stack, repair: 0)
        }
    }

    /// Counts a sample whose chain was folded before, as that fold did; returns the unique stack's index.
    @inline(__always)
    mutating func countCachedChain(_ e: ChainFoldCache.Entry, weight: UInt64) -> Int {
        let index = Int(e.stack)
        stacks.count(index, weight: weight)
        if e.repair != 0 {
            stackTruth.inserted &+= 1
            if e.repair == 2 { stackTruth.placeholders &+= 1 }
        }
        return index
    }
}
