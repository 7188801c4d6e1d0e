/// One slot of a `RunTable`: a key (or where the key is kept), the hash its probe starts from, and its run.
protocol RunTableSlot {
    /// The slot of no key.
    static var empty: Self { get }
    var isEmpty: Bool { get }
    /// Where its probe starts (`hash & mask`): computed from the key, or stored beside it.
    var hash: UInt64 { get }
    /// `start << 32 | count` into the table's pool.
    var run: UInt64 { get }
}

/// Keys -> runs of UInt32 ids stored back to back in one pool: open addressing, linear probing, at most
/// half full. Generic over the slot, which holds the key (or its place in the owner's key bytes) and its
/// hash; the caller says which slot matches. Internal and used within this module only, so release builds
/// specialise it per slot type (no `@inlinable` needed).
struct RunTable<Slot: RunTableSlot> {
    private var slots: [Slot]
    private(set) var pool: [UInt32] = []
    private var used = 0
    private var mask: Int

    /// `capacity`: a power of two.
    init(capacity: Int = 1 << 12) {
        slots = Array(repeating: .empty, count: capacity)
        mask = capacity - 1
    }

    mutating func removeAll() {
        guard used > 0 else { return }
        for i in slots.indices { slots[i] = .empty }
        pool.removeAll(keepingCapacity: true)
        used = 0
    }

    /// The run (start, count) in `pool` of the first slot on `hash`'s probe that `matches`.
    @inline(__always) func find(hash: UInt64, _ matches: (Slot) -> Bool) -> (Int, Int)? {
        slots.withUnsafeBufferPointer { p in
            var i = Int(truncatingIfNeeded: hash) & mask
            while true {
                let s = p[i]
                if s.isEmpty { return nil }
                if matches(s) { return (Int(s.run >> 32), Int(s.run & 0xffff_ffff)) }
                i = (i &+ 1) & mask
            }
        }
    }

    /// Appends `run` to the pool and places the slot `slot` makes for it (from `start << 32 | count`).
    /// After a failed `find` of the same key.
    mutating func insert(run: [UInt32], slot: (UInt64) -> Slot) -> (Int, Int) {
        if (used + 1) * 2 > slots.count { grow() }
        let start = pool.count
        pool.append(contentsOf: run)
        place(slot(UInt64(start) << 32 | UInt64(run.count)))
        used += 1
        return (start, run.count)
    }

    /// `insert` of a run of one id, without an array for it (flags cached per address).
    mutating func insert(one v: UInt32, slot: (UInt64) -> Slot) -> (Int, Int) {
        if (used + 1) * 2 > slots.count { grow() }
        let start = pool.count
        pool.append(v)
        place(slot(UInt64(start) << 32 | 1))
        used += 1
        return (start, 1)
    }

    private mutating func place(_ s: Slot) {
        var i = Int(truncatingIfNeeded: s.hash) & mask
        while !slots[i].isEmpty { i = (i &+ 1) & mask }
        slots[i] = s
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: .empty, count: old.count * 2)
        mask = slots.count - 1
        for s in old where !s.isEmpty { place(s) }
    }
}
