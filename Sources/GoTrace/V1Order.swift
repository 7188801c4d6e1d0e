// Merging the per-P batches of a v1 trace into one order (Go's tracev1 order.go).
import BinaryIO

// MARK: - Ordering (order.go)

/// A goroutine's sequence number and status, as order.go tracks them.
struct V1GState: Equatable {
    var seq: UInt64 = 0
    var status: UInt8 = 0  // 0 dead, 1 runnable, 2 running, 3 waiting
    static let dead: UInt8 = 0, runnable: UInt8 = 1, running: UInt8 = 2, waiting: UInt8 = 3
}

enum V1Order {
    static let unordered = UInt64.max
    static let garbage = UInt64.max - 1
    static let noseq = UInt64.max
    static let seqinc = UInt64.max - 1

    /// Which goroutine `ev` moves, from which state to which (`stateTransition`).
    @inline(__always)
    static func transition(_ ev: V1Event) -> (g: UInt64, initial: V1GState, next: V1GState) {
        typealias S = V1GState
        switch ev.type {
        case .goCreate: return (ev.a0, S(seq: 0, status: S.dead), S(seq: 1, status: S.runnable))
        case .goWaiting, .goInSyscall: return (ev.g, S(seq: 1, status: S.runnable), S(seq: 2, status: S.waiting))
        case .goStart, .goStartLabel:
            return (ev.g, S(seq: ev.a1, status: S.runnable), S(seq: ev.a1 &+ 1, status: S.running))
        case .goStartLocal: return (ev.g, S(seq: noseq, status: S.runnable), S(seq: seqinc, status: S.running))
        case .goBlock, .goBlockSend, .goBlockRecv, .goBlockSelect, .goBlockSync, .goBlockCond, .goBlockNet, .goSleep,
             .goSysBlock, .goBlockGC:
            return (ev.g, S(seq: noseq, status: S.running), S(seq: noseq, status: S.waiting))
        case .goSched, .goPreempt: return (ev.g, S(seq: noseq, status: S.running), S(seq: noseq, status: S.runnable))
        case .goUnblock, .goSysExit:
            return (ev.a0, S(seq: ev.a1, status: S.waiting), S(seq: ev.a1 &+ 1, status: S.runnable))
        case .goUnblockLocal, .goSysExitLocal:
            return (ev.a0, S(seq: noseq, status: S.waiting), S(seq: seqinc, status: S.runnable))
        case .gcStart: return (garbage, S(seq: ev.a0, status: S.dead), S(seq: ev.a0 &+ 1, status: S.dead))
        default: return (unordered, S(), S())
        }
    }

    @inline(__always) static func ready(_ g: UInt64, _ cur: V1GState, _ initial: V1GState) -> Bool {
        g == unordered || (initial.seq == noseq || initial.seq == cur.seq) && initial.status == cur.status
    }
}

extension V1Parser {
    struct Proc {
        var pid: Int32
        var events: [V1Event] = []
        var head = 0
        var nextBatch = 0
        var done = false
    }

    /// Pass 2 (`parseEventBatches`): merges the per-P batches into one stream. Of the Ps whose next event
    /// is ready (its goroutine in the state the event starts from), the earliest event goes next, so the
    /// order is consistent even where timestamps are not.
    mutating func parseEventBatches() throws(GoTraceError) -> [V1Event] {
        // Samples are queued after the fact; their own timestamps order them.
        cpuSamples.sort { $0.ts < $1.ts }
        var procs = pids.map { Proc(pid: $0) }
        procs.append(Proc(pid: V1FakeP.profile, events: cpuSamples))
        var available = Array(procs.indices)
        // Ps whose next event is not ready, by the goroutine it waits on: its readiness depends on that
        // goroutine's state alone, so it is scanned again only when that changes (150,000 waiting Ps,
        // rescanned for every event released, took about 20 minutes).
        var waiting: [UInt64: [Int]] = [:]
        // The frontier holds each ready P's time; its event stays in the P's batch (at head − 1) until
        // popped, since a P in the frontier is not scanned again and so loads no new batch.
        var frontier = V1Frontier()
        var gs = IntMap<V1GState>(capacity: 1024)
        var out: [V1Event] = []
        out.reserveCapacity(eventCount)
        var raw = V1RawEvent()

        while true {
            try scan(&procs, &available, &waiting, &frontier, gs, &raw)
            if frontier.items.isEmpty {
                if let stuck = procs.first(where: { !$0.done }) {
                    let at = stuck.head < stuck.events.count ? Int(stuck.events[stuck.head].offset) : off
                    throw GoTraceError(
                        offset: at, "no consistent ordering of events possible (P \(stuck.pid) cannot advance)")
                }
                break
            }
            let pi = frontier.pop()
            var ev = procs[pi].events[procs[pi].head - 1]
            let (g, initial, next) = V1Order.transition(ev)
            // "Local" events only guide ordering.
            switch ev.type {
            case .goStartLocal: ev.type = .goStart
            case .goUnblockLocal: ev.type = .goUnblock
            case .goSysExitLocal: ev.type = .goSysExit
            default: break
            }
            out.append(ev)
            if g != V1Order.unordered {
                let key = Int64(bitPattern: g)
                let cur = gs[key] ?? V1GState()
                guard V1Order.ready(g, cur, initial) else {
                    throw GoTraceError(
                        offset: Int(ev.offset),
                        "encountered impossible goroutine state transition (\(ev.type), goroutine \(g))")
                }
                var n = next
                if n.seq == V1Order.noseq { n.seq = cur.seq } else if n.seq == V1Order.seqinc { n.seq = cur.seq &+ 1 }
                gs[key] = n
                if let w = waiting.removeValue(forKey: g) { available += w }
            }
            available.append(pi)
        }
        try Self.placeSyscallExits(&out)
        return out
    }

    /// Moves every available P whose next event is ready to the frontier, loading its next batch when
    /// its events are used up; a P with no batch left is done, one not ready waits on its goroutine.
    mutating func scan(
        _ procs: inout [Proc], _ available: inout [Int], _ waiting: inout [UInt64: [Int]],
        _ frontier: inout V1Frontier, _ gs: IntMap<V1GState>, _ raw: inout V1RawEvent
    ) throws(GoTraceError) {
        // Every path below takes available[i] out (to the frontier, the waiting Ps, or done).
        let i = 0
        scan: while i < available.count {
            let pi = available[i]
            while procs[pi].head == procs[pi].events.count {
                let offsets = batchOffsets[procs[pi].pid] ?? []
                if procs[pi].nextBatch >= offsets.count {
                    procs[pi].done = true
                    available.swapAt(i, available.count - 1)
                    available.removeLast()
                    continue scan
                }
                let at = offsets[procs[pi].nextBatch]
                procs[pi].nextBatch += 1
                procs[pi].events.removeAll(keepingCapacity: true)
                procs[pi].head = 0
                try loadBatch(at: at, into: &procs[pi].events, &raw)
            }
            let ev = procs[pi].events[procs[pi].head]
            let (g, initial, _) = V1Order.transition(ev)
            if !V1Order.ready(g, gs[Int64(bitPattern: g)] ?? V1GState(), initial) {
                available.swapAt(i, available.count - 1)
                available.removeLast()
                waiting[g, default: []].append(pi)
                continue
            }
            procs[pi].head += 1
            available.swapAt(i, available.count - 1)
            available.removeLast()
            frontier.push((ev.ts, pi))
        }
    }

    /// Checks that the merged times never go back, then gives syscall exits the real exit time they
    /// carry (written late), now that the order is fixed, and sorts by time again if any moved.
    static func placeSyscallExits(_ out: inout [V1Event]) throws(GoTraceError) {
        for i in out.indices.dropFirst() where out[i].ts < out[i - 1].ts {
            throw GoTraceError(
                offset: Int(out[i].offset), "time stamps out of order (\(out[i].type) after \(out[i - 1].type))")
        }
        var lastSysBlock: [UInt64: Int64] = [:]
        var moved = false
        for i in out.indices {
            switch out[i].type {
            case .goSysBlock, .goInSyscall:
                lastSysBlock[out[i].g] = out[i].ts
            case .goSysExit:
                let ts = Int64(bitPattern: out[i].a2)
                if ts == 0 { continue }
                let block = lastSysBlock[out[i].g] ?? 0
                guard block != 0 else { throw GoTraceError(offset: Int(out[i].offset), "stray syscall exit") }
                guard ts >= block else {
                    throw GoTraceError(
                        offset: Int(out[i].offset), "time stamps out of order (syscall exit before its block)")
                }
                out[i].ts = ts
                moved = true
            default:
                break
            }
        }
        if moved { stableSortByTime(&out) }
    }
}

/// The ready Ps by the time of their next event: container/heap as Go's orderEventList uses it (equal
/// times leave the heap's order).
struct V1Frontier {
    var items: [(ts: Int64, proc: Int)] = []

    mutating func push(_ x: (ts: Int64, proc: Int)) {
        items.append(x)
        var j = items.count - 1
        while true {
            let i = (j - 1) / 2
            if i == j || !(items[j].ts < items[i].ts) { break }
            items.swapAt(i, j)
            j = i
        }
    }

    mutating func pop() -> Int {
        let n = items.count - 1
        items.swapAt(0, n)
        var i = 0
        while true {
            let j1 = 2 * i + 1
            if j1 >= n { break }
            var j = j1
            if j1 + 1 < n && items[j1 + 1].ts < items[j1].ts { j = j1 + 1 }
            if !(items[j].ts < items[i].ts) { break }
            items.swapAt(i, j)
            i = j
        }
        return items.removeLast().proc
    }
}

extension V1Parser {
    /// Go's `sort.Stable` by time. Only syscall exits moved, mostly a little: an in-place insertion sort
    /// (stable), unless it would shift too much, then a stable sort of indices (same result).
    static func stableSortByTime(_ a: inout [V1Event]) {
        var budget = 8 * a.count + 1024
        var i = 1
        while i < a.count {
            if a[i].ts < a[i - 1].ts {
                let x = a[i]
                var j = i
                while j > 0 && x.ts < a[j - 1].ts && budget > 0 {
                    a[j] = a[j - 1]
                    j -= 1
                    budget -= 1
                }
                a[j] = x
                if budget == 0 { break }
            }
            i += 1
        }
        if budget == 0 {
            let order = a.indices.sorted { (a[$0].ts, $0) < (a[$1].ts, $1) }
            a = order.map { a[$0] }
        }
    }
}
