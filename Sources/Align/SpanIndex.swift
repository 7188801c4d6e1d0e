// Time spans by key in flat arrays, and the unchecked view the per-sample lookups walk.
import BinaryIO
import Collapse
import GoTrace
import PerfData

/// Time spans grouped by key (thread, goroutine, P; a single key for global ones), each key's sorted by
/// start, in flat arrays: a key's spans are `bounds[slot] ..< bounds[slot + 1]`. Flat so that a lookup
/// neither copies nor retains a nested array. `items` name what each span is (an index into the
/// trace's runs or ranges).
struct SpanIndex: Sendable {
    var starts: [Int64] = []
    var ends: [Int64] = []
    /// The largest end among the key's spans up to each index: when it is before `t`, no span holds
    /// `t` (most samples fall outside every range) without looking back.
    var maxEnds: [Int64] = []
    var items: [Int32] = []
    var bounds: [Int] = [0]
    /// Slot of each key; the keys in slot order (ascending).
    var slots = IntMap<Int32>()
    var keys: [Int64] = []

    init() {}

    /// Spans `0..<count` under `key(j)` (nil: left out), with `span(j)`'s times and item; sorted by start
    /// within each key, stably (the trace lists most in order already).
    init(count: Int, key: (Int) -> Int64?, span: (Int) -> (start: Int64, end: Int64, item: Int32)) {
        // Keys in order of first appearance, then renumbered ascending (a deterministic slot order).
        // Keys are looked up twice (to count, then to place) rather than kept per span: less memory
        // touched for the first time, which costs more than the lookups on a virtual machine.
        var firstSeen = IntMap<Int32>()
        var seenKeys: [Int64] = []
        var counts: [Int] = []
        var lastKey = Int64.min, lastSlot: Int32 = -1
        for j in 0..<count {
            guard let k = key(j) else { continue }
            if k != lastKey || lastSlot < 0 {
                if let e = firstSeen[k] { lastSlot = e } else {
                    lastSlot = Int32(seenKeys.count)
                    firstSeen[k] = lastSlot
                    seenKeys.append(k)
                    counts.append(0)
                }
                lastKey = k
            }
            counts[Int(lastSlot)] &+= 1
        }
        let order = seenKeys.indices.sorted { seenKeys[$0] < seenKeys[$1] }
        var next = [Int](repeating: 0, count: seenKeys.count)
        bounds.reserveCapacity(order.count + 1)
        for (slot, s) in order.enumerated() {
            next[s] = bounds[slot]
            bounds.append(bounds[slot] + counts[s])
            slots[seenKeys[s]] = Int32(slot)
            keys.append(seenKeys[s])
        }
        let n = bounds.last!
        var starts = [Int64](repeating: 0, count: n), ends = [Int64](repeating: 0, count: n)
        var items = [Int32](repeating: 0, count: n)
        starts.withUnsafeMutableBufferPointer { starts in
            ends.withUnsafeMutableBufferPointer { ends in
                items.withUnsafeMutableBufferPointer { items in
                    next.withUnsafeMutableBufferPointer { next in
                        var lastKey = Int64.min, lastSlot = -1
                        for j in 0..<count {
                            guard let k = key(j) else { continue }
                            if k != lastKey || lastSlot < 0 {
                                lastSlot = Int(firstSeen[k]!)
                                lastKey = k
                            }
                            let at = next[lastSlot]
                            next[lastSlot] = at &+ 1
                            let sp = span(j)
                            starts[at] = sp.start
                            ends[at] = sp.end
                            items[at] = sp.item
                        }
                    }
                }
            }
        }
        self.starts = starts
        self.ends = ends
        self.items = items
        for slot in 0..<keys.count { sortBlock(bounds[slot], bounds[slot + 1]) }
        computeMaxEnds()
    }

    /// Keys' spans already grouped and sorted, keys ascending.
    init(sortedGroups: [(key: Int64, spans: [(start: Int64, end: Int64, item: Int32)])]) {
        for (k, list) in sortedGroups {
            slots[k] = Int32(keys.count)
            keys.append(k)
            for s in list {
                starts.append(s.start)
                ends.append(s.end)
                items.append(s.item)
            }
            bounds.append(starts.count)
        }
        computeMaxEnds()
    }

    /// Sorts `lo..<hi` by start, stably (spans within a block are in their original order).
    private mutating func sortBlock(_ lo: Int, _ hi: Int) {
        var inOrder = true
        var i = lo + 1
        while i < hi { if starts[i - 1] > starts[i] { inOrder = false; break }; i += 1 }
        if inOrder { return }
        let perm = (lo..<hi).sorted { (starts[$0], $0) < (starts[$1], $1) }
        let s = perm.map { starts[$0] }, e = perm.map { ends[$0] }, it = perm.map { items[$0] }
        starts.replaceSubrange(lo..<hi, with: s)
        ends.replaceSubrange(lo..<hi, with: e)
        items.replaceSubrange(lo..<hi, with: it)
    }

    private mutating func computeMaxEnds() {
        // Runs of a thread, sweeps of a P, assists of a goroutine never overlap: their ends already
        // rise, and the array is shared rather than copied (less memory touched).
        var rising = true
        ends.withUnsafeBufferPointer { e in
            for slot in 0..<keys.count where bounds[slot + 1] > bounds[slot] {
                var i = bounds[slot] + 1
                while i < bounds[slot + 1] {
                    if e[i] < e[i &- 1] { rising = false; return }
                    i &+= 1
                }
            }
        }
        if rising {
            maxEnds = ends
            return
        }
        var m = [Int64](repeating: 0, count: ends.count)
        for slot in 0..<keys.count {
            var top = Int64.min
            for i in bounds[slot]..<bounds[slot + 1] {
                top = max(top, ends[i])
                m[i] = top
            }
        }
        maxEnds = m
    }

    /// The slot of `key`, or -1.
    @inline(__always) func slot(_ key: Int64) -> Int { slots[key].map(Int.init) ?? -1 }

    /// The arrays as unchecked buffers, for loops that look up every sample.
    @inline(__always) func withView<R>(_ body: (SpanView) -> R) -> R {
        starts.withUnsafeBufferPointer { s in
            ends.withUnsafeBufferPointer { e in
                maxEnds.withUnsafeBufferPointer { m in
                    items.withUnsafeBufferPointer { it in
                        bounds.withUnsafeBufferPointer { b in
                            body(SpanView(starts: s, ends: e, maxEnds: m, items: it, bounds: b))
                        }
                    }
                }
            }
        }
    }

    /// The item of a span of slot `slot` holding `t`, or -1 (see `SpanView.item`).
    func item(containing t: Int64, slot: Int) -> Int32 {
        guard slot >= 0, slot < keys.count else { return -1 }
        var hint = Int.min
        return withView { $0.item(containing: t, slot: slot, hint: &hint) }
    }

    /// Index of the last span of slot `slot` starting at or before `t`, or the slot's first index - 1.
    func lastStarting(atOrBefore t: Int64, slot: Int) -> Int {
        withView { $0.lastStarting(atOrBefore: t, $0.bounds[slot], $0.bounds[slot + 1]) }
    }
}

/// A `SpanIndex`'s arrays, valid inside `SpanIndex.withView`.
struct SpanView {
    let starts: UnsafeBufferPointer<Int64>
    let ends: UnsafeBufferPointer<Int64>
    let maxEnds: UnsafeBufferPointer<Int64>
    let items: UnsafeBufferPointer<Int32>
    let bounds: UnsafeBufferPointer<Int>

    /// Number of keys.
    var slotCount: Int { bounds.count - 1 }

    /// Index of the last span of `lo..<hi` starting at or before `t`, or `lo - 1`.
    @inline(never) func lastStarting(atOrBefore t: Int64, _ lo: Int, _ hi: Int) -> Int {
        // Rebased, not sliced: a buffer's subscript is unchecked in release builds, a slice's is not.
        lo &+ UnsafeBufferPointer(rebasing: starts[lo..<hi]).partitionPoint { $0 <= t } &- 1
    }

    /// As `lastStarting(atOrBefore:_:_:)`, starting from `hint` (the previous answer; `Int.min` for
    /// none): samples come in time order, so the answer is usually the hint or the next span. Inlined
    /// (a lookup per sample and kind); longer moves are out of line.
    @inline(__always) func lastStarting(atOrBefore t: Int64, _ lo: Int, _ hi: Int, hint: inout Int) -> Int {
        var i = hint
        if i >= lo &- 1, i < hi, i < lo || starts[i] <= t {
            if i &+ 1 < hi, starts[i &+ 1] <= t {
                i &+= 1
                if i &+ 1 < hi, starts[i &+ 1] <= t { i = walk(from: i, atOrBefore: t, hi) }
            }
        } else {
            i = lastStarting(atOrBefore: t, lo, hi)
        }
        hint = i
        return i
    }

    /// From `i` (starting at or before `t`) forward: a few steps, else a search.
    @inline(never) func walk(from i: Int, atOrBefore t: Int64, _ hi: Int) -> Int {
        var i = i
        var steps = 0
        while i &+ 1 < hi, starts[i &+ 1] <= t {
            i &+= 1
            steps &+= 1
            if steps == 8 { return lastStarting(atOrBefore: t, i, hi) }
        }
        return i
    }

    /// The item of a span of slot `slot` holding `t`, or -1. Spans of one kind and scope do not overlap,
    /// except GC cycles (a cycle seen active at the trace's start): a short look back covers them.
    @inline(__always) func item(containing t: Int64, slot: Int, hint: inout Int) -> Int32 {
        let lo = bounds[slot]
        var i = lastStarting(atOrBefore: t, lo, bounds[slot &+ 1], hint: &hint)
        guard i >= lo, maxEnds[i] >= t else { return -1 }
        let stop = i &- 4
        while i >= lo, i >= stop {
            if t <= ends[i] { return items[i] }
            i &-= 1
        }
        return -1
    }
}
