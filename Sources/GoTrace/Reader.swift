import BinaryIO

/// Reads a Go ≥ 1.22 execution trace event by event, in the order and with the times Go's own
/// `internal/trace.Reader` gives (so `go tool trace -d=parsed` is the reference), one generation in
/// memory at a time. Go 1.21 traces are parsed whole and converted to the same events as Go 1.27 does
/// (V1.swift, V1Convert.swift).
public struct GoTraceReader {
    public let version: TraceVersion
    public private(set) var warnings: [String] = []
    private var warnedTruncation = false
    /// Frequency (ticks per second) and clock snapshots seen so far.
    public private(set) var ticksPerSecond: Double = 0
    public private(set) var snapshots: [ClockSnapshot] = []

    var generations: GenerationReader
    var gen: Generation?
    var order = Ordering()
    /// One per M of the generation: where it is in its batches, and its next event.
    struct Cursor {
        var m: Int64
        /// Its batches not yet started are `source.batches[batchIndex..<batchEnd]`.
        var batchIndex = 0
        var batchEnd = 0
        /// The current batch's payload, copied out of it: the per-event path touches no array.
        var base: UnsafeRawPointer? = nil
        var count = 0
        var origin = 0
        var batchTime: UInt64 = 0
        var offset = 0
        var lastTs: Int64 = 0
        var ev = TraceEvent(type: .syncMarker, time: 0, rawTime: 0, m: -1, p: -1, g: -1)
    }
    var cursors: [Cursor] = []
    /// The min-heap of batchcursor.go, of cursor indices with their next event's time: a sift moves
    /// 16 bytes instead of a whole cursor.
    struct HeapEntry { var time: Int64; var cursor: Int }
    var frontier: [HeapEntry] = []
    var source = BatchSource()
    var isV1 = false
    var genNumber: UInt64 { source.genNumber }
    var cpuSamples: [CPUSampleRecord] = []
    var cpuSampleHead = 0
    var lastTs: Int64 = 0
    var syncs: UInt64 = 0
    var finished = false
    /// Not Go 1.21, not finished, no CPU sample pending: one test on the per-event path for all three
    /// (kept by `nextOutOfLine`, the only place that changes them for Go ≥ 1.22).
    var plain = false
    var pendingError: GoTraceError?
    /// Heap entries sorted and tried by `advanceAnother` in this generation, and how many it may be:
    /// 2^16 + one per 4 bytes of the generation's batches (the fixtures' traces use at most 5). An M
    /// waiting for ever at the head (crafted: 100,000 Ms blocked on unknown goroutines) made every event
    /// sort and try them all, quadratic.
    var reorderWork = 0
    var reorderBudget = 0
    /// Events already ordered and nudged, delivered by `next()` before anything else: `refill` orders
    /// up to `ahead.count` at a time with the cursors and the heap opened once, where one event per
    /// `next()` cost a uniqueness check per array access and a large call frame.
    @usableFromInline var ahead = [TraceEvent](
        repeating: TraceEvent(type: .syncMarker, time: 0, rawTime: 0, m: -1, p: -1, g: -1), count: 256)
    @usableFromInline var aheadHead = 0
    @usableFromInline var aheadCount = 0
    /// An error met while ordering ahead: thrown once the events before it are delivered.
    var deferredError: GoTraceError?
    /// A Go 1.21 trace: all of it, converted event by event.
    var v1: V1Converter?
    /// Clock facts of a Go 1.21 trace (its times are relative to its first event, in TSC-derived ticks).
    public var v1Clock: V1Clock? { v1?.clock }

    /// The header: `go 1.NN trace` padded with NULs to 16 bytes.
    public static func version(of bytes: UnsafeRawBufferPointer) throws(GoTraceError) -> TraceVersion {
        guard bytes.count >= 16 else {
            throw GoTraceError(offset: 0, "not a Go execution trace: \(bytes.count) bytes, a 16-byte header expected")
        }
        let head = String(decoding: bytes[0..<16].prefix { $0 != 0 }, as: UTF8.self)
        let parts = head.split(separator: " ")
        guard parts.count == 3, parts[0] == "go", parts[2] == "trace", parts[1].hasPrefix("1."),
            let minor = Int(parts[1].dropFirst(2))
        else {
            throw GoTraceError(
                offset: 0, "not a Go execution trace: header \(head.debugDescription), expected \"go 1.NN trace\"")
        }
        return TraceVersion(rawValue: 1000 + minor)
    }

    public init(bytes: UnsafeRawBufferPointer) throws(GoTraceError) {
        let v = try Self.version(of: bytes)
        version = v
        if v == .go121 {
            let t = try V1Trace(bytes: bytes)
            v1 = try V1Converter(t)
            warnings = t.warnings
            ticksPerSecond = Double(t.ticksPerSecond)
            generations = GenerationReader(bytes: bytes, version: v, start: bytes.count)
            isV1 = true
            return
        }
        guard [TraceVersion.go122, .go123, .go125, .go126].contains(v) else {
            throw GoTraceError(
                offset: 0, "trace version \(v) is not supported (headers go 1.21, 1.22, 1.23, 1.25, 1.26)")
        }
        generations = GenerationReader(bytes: bytes, version: v, start: 16)
        source.version = v
        plain = true
        source.argCounts = EventType.timedArgCounts.enumerated().map { t, n in
            n > 0 && EventType.isDefined(EventType(rawValue: UInt8(t)), in: v) ? UInt8(n) : 0
        }
    }

    public var stringTable: [UInt64: String] { v1?.strings ?? gen?.strings ?? [:] }
    public func string(_ id: UInt64) -> String {
        if let v1 { return v1.strings[id] ?? "" }
        return gen?.strings[id] ?? ""
    }
    public func frames(_ stack: UInt64) -> [TraceFrame] {
        if let v1 { return v1.frames(stack) }
        return gen?.frames(stack) ?? []
    }

    /// Go 1.21: a Sync before the first event (1 ns before it) and one after the last, as Go's Reader gives.
    @inline(never)
    mutating func nextV1() throws(GoTraceError) -> TraceEvent? {
        if finished { return nil }
        func sync(_ t: Int64) -> TraceEvent {
            syncs += 1
            var e = TraceEvent(type: .syncMarker, time: t, rawTime: t, m: -1, p: -1, g: -1)
            e.args.a0 = syncs
            e.generation = 1
            return e
        }
        if syncs == 0, let first = v1!.firstTime { return sync(first &- 1) }
        if let e = try v1!.next() { return e }
        finished = true
        return sync(v1!.lastTs &+ 1)
    }

    mutating func nudge(_ e: TraceEvent) -> TraceEvent {
        var e = e
        if e.time <= lastTs { e.time = lastTs &+ 1 }
        lastTs = e.time
        return e
    }

    /// `opensGeneration`: the Sync that starts `gen`, which carries its clock snapshot (`extra` 1), as
    /// Go's Reader gives its table only to that one.
    func syncEvent(_ time: Int64, opensGeneration: Bool = false) -> TraceEvent {
        var e = TraceEvent(type: .syncMarker, time: time, rawTime: time, m: -1, p: -1, g: -1)
        e.args.a0 = syncs
        e.extra = opensGeneration ? 1 : 0
        e.generation = gen?.number ?? 0
        return e
    }

    // Min-heap by next event time, exactly as batchcursor.go's (ties resolve the same way). Over
    // unsafe buffers: one uniqueness check per operation instead of one per swap.
    static func siftUp(_ h: UnsafeMutableBufferPointer<HeapEntry>, _ i: Int) -> Int {
        var i = i
        // Wrapping arithmetic: heap indices are far from overflowing, and the checks cost per event.
        while i > 0, h[(i &- 1) >> 1].time > h[i].time {
            h.swapAt((i &- 1) >> 1, i)
            i = (i &- 1) >> 1
        }
        return i
    }
    static func siftDown(_ h: UnsafeMutableBufferPointer<HeapEntry>, _ i: Int) {
        var i = i
        while true {
            var m = i
            var minT = Int64.max
            if i < h.count { minT = h[i].time }
            let l = 2 &* i &+ 1, r = l &+ 1
            if l < h.count, h[l].time < minT { minT = h[l].time; m = l }
            if r < h.count, h[r].time < minT { m = r }
            if m == i { return }
            h.swapAt(i, m)
            i = m
        }
    }
    mutating func siftUp(_ i: Int) -> Int { frontier.withUnsafeMutableBufferPointer { Self.siftUp($0, i) } }

    /// After the cursor at heap position `i` of `h[0..<alive]` moved on: its entry placed by the time of
    /// its next event, or, with none (`time` nil), removed as batchcursor.go does it (bubbled to the
    /// root, swapped with the last, sifted down), `alive` one less.
    @inline(__always)
    static func reposition(_ h: UnsafeMutableBufferPointer<HeapEntry>, _ i: Int, time: Int64?, alive: inout Int) {
        if let t = time {
            h[i].time = t
            // Mostly the same M goes on: nothing to move then.
            let l = 2 &* i &+ 1
            if (l >= alive || h[l].time >= t) && (l &+ 1 >= alive || h[l &+ 1].time >= t)
                && (i == 0 || h[(i &- 1) >> 1].time <= t)
            {
                return
            }
            let live = UnsafeMutableBufferPointer(rebasing: h[0..<alive])
            if siftUp(live, i) == i { siftDown(live, i) }
            return
        }
        var i = i
        while i > 0 {
            h.swapAt((i &- 1) >> 1, i)
            i = (i &- 1) >> 1
        }
        h.swapAt(0, alive &- 1)
        alive &-= 1
        siftDown(UnsafeMutableBufferPointer(rebasing: h[0..<alive]), 0)
    }

    mutating func installNextGeneration() throws(GoTraceError) -> Bool {
        let next: Generation?
        do { next = try generations.next() } catch {
            pendingError = error
            return false
        }
        // Asked once more after the last generation: the truncation is warned about once.
        if let t = generations.truncation, pendingError == nil, !warnedTruncation {
            warnedTruncation = true
            warnings.append("trace ends with a broken batch (\(t)); the batches before it are read")
        }
        guard let g = next else { return false }
        gen = g
        ticksPerSecond = 1e9 / g.freq
        if let s = g.snapshot { snapshots.append(s) }
        cpuSamples = g.cpuSamples
        cpuSampleHead = 0
        frontier.removeAll()
        cursors.removeAll(keepingCapacity: true)
        source.freq = g.freq
        source.genNumber = g.number
        source.batches.removeAll(keepingCapacity: true)
        for m in g.batchMs {
            var c = Cursor(m: m)
            // The decoding writes only what changes from one event to the next.
            c.ev.m = m
            c.ev.generation = g.number
            c.batchIndex = source.batches.count
            source.batches += g.batches[m] ?? []
            c.batchEnd = source.batches.count
            if try source.advance(&c) {
                cursors.append(c)
                frontier.append(HeapEntry(time: c.ev.time, cursor: cursors.count - 1))
                _ = siftUp(frontier.count - 1)
            }
        }
        reorderWork = 0
        reorderBudget = source.batches.reduce(1 << 16) { $0 &+ $1.data.count / 4 }
        return true
    }

    /// Releases the next event of the cursor at heap position `i` if the ordering allows, and reads the
    /// one after it; false if it must wait.
    @inline(__always)
    mutating func tryAdvance(_ i: Int) throws(GoTraceError) -> Bool {
        try Self.step(i, &cursors, &frontier, &order, source)
    }

    /// `tryAdvance` over the reader's parts as separate arguments, so each array is opened once per
    /// event (one uniqueness check) rather than at every access.
    static func step(_ i: Int, _ cursors: inout [Cursor], _ frontier: inout [HeapEntry], _ order: inout Ordering,
                     _ source: BatchSource) throws(GoTraceError) -> Bool {
        let ci = frontier[i].cursor
        let (released, more, time) = try cursors.withUnsafeMutableBufferPointer {
            (cs) throws(GoTraceError) -> (Bool, Bool, Int64) in
            guard order.advance(&cs[ci].ev, m: cs[ci].m, gen: source.genNumber) else { return (false, false, 0) }
            let more = try source.advance(&cs[ci])
            return (true, more, cs[ci].ev.time)
        }
        guard released else { return false }
        var alive = frontier.count
        frontier.withUnsafeMutableBufferPointer { reposition($0, i, time: more ? time : nil, alive: &alive) }
        frontier.removeLast(frontier.count - alive)
        return true
    }

    /// The next event; nil at the end. Errors name the offset; a trace cut short yields every complete
    /// generation, then a warning (see `warnings`).
    /// Inlinable: a call per event cost more than the event's copy out of `ahead`.
    @inlinable
    public mutating func next() throws(GoTraceError) -> TraceEvent? {
        if _fastPath(aheadHead < aheadCount) {
            aheadHead &+= 1
            return ahead.withUnsafeBufferPointer { $0[aheadHead &- 1] }
        }
        return try nextSlow()
    }

    @usableFromInline @inline(never)
    mutating func nextSlow() throws(GoTraceError) -> TraceEvent? {
        while true {
            if let e = deferredError {
                deferredError = nil
                throw e
            }
            // A flag, not `v1 != nil`: testing the optional copied (retained) the whole converter.
            if _slowPath(!plain) {
                if isV1 { return try nextV1() }
                if finished { return nil }
            }
            if let e = order.next() { return nudge(e) }
            if frontier.isEmpty || !plain { return try nextOutOfLine() }
            refill()
            if aheadCount > 0 {
                aheadHead = 1
                return ahead[0]
            }
        }
    }

    /// Orders events into `ahead` while the generation's Ms have events and no CPU sample is pending
    /// (`plain`): exactly what `tryAdvance(0)` then `advanceAnother()` would give one at a time. An
    /// error ends it (the events released before it are kept, the ones of the failing step dropped, as
    /// one at a time).
    mutating func refill() {
        aheadHead = 0
        let r = Self.orderAhead(&ahead, &cursors, &frontier, &order, source, lastTs)
        if let e = r.error { deferredError = e }
        let (n, alive, last, stuck) = (r.count, r.alive, r.last, r.stuck)
        frontier.removeLast(frontier.count - alive)
        lastTs = last
        aheadCount = n
        guard stuck, deferredError == nil else { return }
        // The M with the earliest event must wait: the rare path, one step through the arrays.
        do { try advanceAnother() } catch {
            deferredError = error
            return
        }
        let k = ahead.withUnsafeMutableBufferPointer { order.takeReleased(into: $0.baseAddress! + aheadCount) }
        for j in aheadCount..<aheadCount + k { ahead[j] = nudge(ahead[j]) }
        aheadCount += k
    }

    struct Ahead { var count = 0, alive = 0, last: Int64 = 0, stuck = false, error: GoTraceError? = nil }

    /// `refill`'s loop over the reader's parts as separate arguments: each array is opened once and
    /// nothing is retained per event (through `self`, the closures retained the parts they touched).
    static func orderAhead(_ ahead: inout [TraceEvent], _ cursors: inout [Cursor], _ frontier: inout [HeapEntry],
                           _ order: inout Ordering, _ source: BatchSource, _ lastTs: Int64) -> Ahead {
        var r = Ahead(alive: frontier.count, last: lastTs)
        let gen = source.genNumber
        do {
            try ahead.withUnsafeMutableBufferPointer { (out) throws(GoTraceError) in
                try cursors.withUnsafeMutableBufferPointer { (cs) throws(GoTraceError) in
                    try frontier.withUnsafeMutableBufferPointer { (heap) throws(GoTraceError) in
                        var n = 0, alive = r.alive, last = r.last
                        defer { (r.count, r.alive, r.last) = (n, alive, last) }
                        // Room for an event and what a GoSwitch adds (2).
                        while alive > 0 && n &+ 3 <= out.count {
                            let ci = heap[0].cursor
                            var k = n
                            let m = cs[ci].m
                            if let ms = order.context(m: m, type: cs[ci].ev.type) {
                                out[k] = cs[ci].ev
                                out[k].p = ms.p
                                out[k].g = ms.g
                                k &+= 1
                            } else if order.advanceWithState(&cs[ci].ev, m: m, gen: gen) {
                                k &+= order.takeReleased(into: out.baseAddress! + k)
                            } else {
                                r.stuck = true
                                return
                            }
                            let more = try source.advance(&cs[ci])
                            // Go's reader makes times strictly increasing.
                            var j = n
                            repeat {
                                if out[j].time <= last { out[j].time = last &+ 1 }
                                last = out[j].time
                                j &+= 1
                            } while j < k
                            n = k
                            reposition(heap, 0, time: more ? cs[ci].ev.time : nil, alive: &alive)
                        }
                    }
                }
            }
        } catch {
            r.error = error
        }
        return r
    }

    /// A generation boundary or a CPU sample (or an M's event while samples are pending).
    @inline(never)
    mutating func nextOutOfLine() throws(GoTraceError) -> TraceEvent? {
        defer { plain = !finished && cpuSampleHead >= cpuSamples.count }
        if frontier.isEmpty && cpuSampleHead >= cpuSamples.count {
            if try installNextGeneration() {
                syncs += 1
                return nudge(syncEvent(nanoseconds(ticks: gen!.minTs, freq: gen!.freq), opensGeneration: true))
            }
            finished = true
            if let e = pendingError {
                if syncs == 0 { throw e }
                warnings.append("trace is truncated or corrupt after \(syncs) generation(s): \(e)")
            }
            syncs += 1
            return nudge(syncEvent(lastTs))
        }
        if cpuSampleHead < cpuSamples.count, frontier.isEmpty || cpuSamples[cpuSampleHead].time < frontier[0].time {
            let s = cpuSamples[cpuSampleHead]
            cpuSampleHead += 1
            var e = TraceEvent(type: .cpuSample, time: s.time, rawTime: s.time, m: s.m, p: s.p, g: s.g)
            e.args.a0 = s.stack
            e.generation = gen?.number ?? 0
            return nudge(e)
        }
        if try !tryAdvance(0) { try advanceAnother() }
        guard order.released > 0 else { return try next() }
        return nudge(order.first)
    }

    /// The M with the earliest event must wait: sort, then try the others in time order (a sorted array
    /// is still a heap).
    @inline(never)
    mutating func advanceAnother() throws(GoTraceError) {
        try chargeReorder(frontier.count)
        frontier.sort { $0.time < $1.time }
        for i in 1..<max(frontier.count, 1) where i < frontier.count {
            if try tryAdvance(i) { return }
            try chargeReorder(1)
        }
        let at =
            frontier.first.map { cursors[$0.cursor] }.map { "M \($0.m) \($0.ev.type) at \($0.ev.time) ns" } ?? "nothing"
        throw GoTraceError(
            offset: generations.position, "broken trace: no M can advance in generation \(genNumber) (next: \(at))")
    }
}

extension GoTraceReader {
    /// Counts `n` entries of reordering work against the generation's budget; past it, the order is
    /// given up as Go's "failed to advance" would be, only sooner.
    mutating func chargeReorder(_ n: Int) throws(GoTraceError) {
        reorderWork &+= n
        guard reorderWork > reorderBudget else { return }
        let at =
            frontier.first.map { cursors[$0.cursor] }.map { "M \($0.m) \($0.ev.type) at \($0.ev.time) ns" } ?? "nothing"
        throw GoTraceError(
            offset: generations.position,
            "broken trace: no consistent order of events in generation \(genNumber): "
                + "Ms waited through \(reorderWork) reorderings, past the \(reorderBudget) this generation's size allows (first waiting: \(at))"
        )
    }
}

/// What the per-event read needs of the generation, apart from the cursor: the batches grouped by M in
/// one flat array of plain values (no dictionary or generation copy per event), and the version's
/// argument counts as one table.
struct BatchSource {
    var batches: [Batch] = []
    var freq: Double = 0
    var genNumber: UInt64 = 0
    var version = TraceVersion.go122
    /// Arguments after the type byte (the time delta included) of each timed event type this version
    /// defines; 0 for the others.
    var argCounts: [UInt8] = []

    /// Reads the cursor's next event into `c.ev`; false at the end of its batches.
    @inline(__always)
    func advance(_ c: inout GoTraceReader.Cursor) throws(GoTraceError) -> Bool {
        // Fast path: with room for the longest event (6 varints of 10 bytes) read without bound checks;
        // anything else (a batch's end, an unknown type, an overlong varint) goes the checked way, which
        // names the error. Wrapping arithmetic: offsets stay within the batch, and overflow checks cost
        // per byte.
        if _fastPath(c.count &- c.offset > 60) {
            let p = c.base.unsafelyUnwrapped + c.offset
            let t = EventType(rawValue: p.load(as: UInt8.self))
            let n = argCounts.withUnsafeBufferPointer { Int($0[Int(t.rawValue)]) }
            var i = 1
            var ok = n > 0
            @inline(__always) func varint() -> UInt64 {
                // Most arguments fit one byte.
                let b0 = p.load(fromByteOffset: i, as: UInt8.self)
                if b0 < 0x80 { i &+= 1; return UInt64(b0) }
                var r: UInt64 = 0, shift: UInt64 = 0
                while true {
                    let byte = p.load(fromByteOffset: i, as: UInt8.self)
                    i &+= 1
                    if shift == 63 && byte > 1 { ok = false; return 0 }
                    r |= UInt64(byte & 0x7f) << shift
                    if byte < 0x80 { return r }
                    shift &+= 7
                    if shift > 63 { ok = false; return 0 }
                }
            }
            if ok {
                let dt = varint()
                var args = EventArgs()
                if n > 1 { args.a0 = varint() }
                if n > 2 { args.a1 = varint() }
                if n > 3 { args.a2 = varint() }
                if n > 4 { args.a3 = varint() }
                if n > 5 { args.a4 = varint() }
                if ok {
                    let time = nanoseconds(ticks: dt, freq: freq) &+ c.lastTs
                    // m, p, g and generation stay as set when the cursor was made.
                    c.ev.type = t
                    c.ev.time = time
                    c.ev.rawTime = time
                    c.ev.args = args
                    c.ev.extra = 0
                    c.lastTs = time
                    c.offset &+= i
                    return true
                }
            }
        }
        return try advanceChecked(&c)
    }

    /// `advance` where the fast path does not apply: the next batch, the last bytes of one, errors.
    @inline(never)
    func advanceChecked(_ c: inout GoTraceReader.Cursor) throws(GoTraceError) -> Bool {
        while c.offset == c.count {
            guard c.batchIndex < c.batchEnd else { return false }
            let b = batches[c.batchIndex]
            c.batchIndex += 1
            c.base = b.data.baseAddress
            c.count = b.data.count
            c.origin = b.offset
            c.batchTime = b.time
            c.offset = 0
            c.lastTs = nanoseconds(ticks: b.time, freq: freq)
        }
        let p = c.base.unsafelyUnwrapped + c.offset
        let t = EventType(rawValue: p.load(as: UInt8.self))
        let n = argCounts.withUnsafeBufferPointer { Int($0[Int(t.rawValue)]) }
        guard n > 0 else {
            throw GoTraceError(
                offset: c.origin + c.offset, "event type \(t.rawValue) is not a timed event of a \(version) trace")
        }
        var cur = ByteCursor(UnsafeRawBufferPointer(start: p, count: c.count - c.offset), origin: c.origin + c.offset)
        do { try cur.skip(1) } catch {}
        // The description is built only for an error: this runs for every event.
        func u(_ what: @autoclosure () -> String) throws(GoTraceError) -> UInt64 {
            do { return try cur.uleb128(what()) } catch {
                throw GoTraceError(offset: error.offset, "\(t) \(what()): \(error.kind)")
            }
        }
        let dt = try u("time delta")
        var ev = TraceEvent(type: t, time: 0, rawTime: 0, m: c.m, p: -1, g: -1)
        for i in 0..<(n - 1) { ev.args[i] = try u("argument \(i + 1)") }
        ev.time = nanoseconds(ticks: dt, freq: freq) &+ c.lastTs
        ev.rawTime = ev.time
        ev.generation = genNumber
        c.lastTs = ev.time
        c.offset += cur.position
        c.ev = ev
        return true
    }
}
