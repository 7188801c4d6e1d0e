// The frame-pointer repair's answers, one open-addressing probe per sample: keyed by (pid, leaf PC, next
// entry), the answer stored in the slot itself (no pool to read behind it). Most samples of a capture
// repeat a (leaf, next) pair already seen, so this probe is all the repair costs them.

struct RepairCache {
    /// 32 bytes: two slots per cache line. `kind` 0 marks an empty slot; otherwise `Repair`'s kind + 1.
    struct Slot {
        var leaf: UInt64 = 0
        var next: UInt64 = 0
        var pid: UInt32 = 0
        var kind: UInt32 = 0
        var value: UInt64 = 0
    }

    private var slots: [Slot]
    private var used = 0
    private var mask: Int

    /// `capacity`: a power of two.
    init(capacity: Int = 1 << 10) {
        slots = Array(repeating: Slot(), count: capacity)
        mask = capacity - 1
    }

    @inline(__always) static func hash(_ pid: Int32, _ leaf: UInt64, _ next: UInt64) -> UInt64 {
        mix64(leaf ^ (next &* 0x2545_f491_4f6c_dd1d) ^ UInt64(UInt32(bitPattern: pid)) << 40)
    }

    /// The cached answer for the pair, nil when not yet decided.
    @inline(__always) func find(pid: Int32, leaf: UInt64, next: UInt64) -> Repair? {
        let p = UInt32(bitPattern: pid)
        return slots.withUnsafeBufferPointer { s in
            var i = Int(truncatingIfNeeded: Self.hash(pid, leaf, next)) & mask
            while true {
                let e = s[i]
                if e.kind == 0 { return nil }
                if e.leaf == leaf, e.next == next, e.pid == p { return Repair(kind: e.kind - 1, value: e.value) }
                i = (i &+ 1) & mask
            }
        }
    }

    /// Stores the answer for a pair `find` did not have.
    mutating func insert(pid: Int32, leaf: UInt64, next: UInt64, _ r: Repair) {
        if (used + 1) * 2 > slots.count { grow() }
        let (kind, value) = r.packed
        place(Slot(leaf: leaf, next: next, pid: UInt32(bitPattern: pid), kind: kind + 1, value: value),
              hash: Self.hash(pid, leaf, next))
        used += 1
    }

    mutating func removeAll() {
        guard used > 0 else { return }
        for i in slots.indices { slots[i] = Slot() }
        used = 0
    }

    private mutating func place(_ e: Slot, hash: UInt64) {
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i].kind != 0 { i = (i &+ 1) & mask }
        slots[i] = e
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for e in old where e.kind != 0 {
            place(e, hash: Self.hash(Int32(bitPattern: e.pid), e.leaf, e.next))
        }
    }
}
