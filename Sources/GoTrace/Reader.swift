/// Reads a Go ≥ 1.22 execution trace event by event, in the order and with the times Go's own
/// `internal/trace.Reader` gives (so `go tool trace -d=parsed` is the reference), one generation in
/// memory at a time. Go 1.21 traces are parsed whole and converted to the same events as Go 1.27 does
/// (V1.swift, V1Convert.swift).
public struct GoTraceReader {
    public let version: TraceVersion
    public private(set) var warnings: [String] = []
    /// Frequency (ticks per second) and clock snapshots seen so far.
    public private(set) var ticksPerSecond: Double = 0
    public private(set) var snapshots: [ClockSnapshot] = []

    var generations: GenerationReader
    var gen: Generation?
    var order = Ordering()
    struct Cursor {
        var m: Int64
        /// Its batches are `flatBatches[batchIndex..<batchEnd]`.
        var batchIndex = 0
        var batchEnd = 0
        var offset = 0
        var lastTs: Int64 = 0
        var ev = TraceEvent(type: .syncMarker, time: 0, rawTime: 0, m: -1, p: -1, g: -1)
    }
    var frontier: [Cursor] = []
    /// The generation's batches grouped by M, in one flat array of plain values: the per-event path
    /// reads them without copying the generation or looking up a dictionary.
    var flatBatches: [Batch] = []
    var genFreq: Double = 0
    var genNumber: UInt64 = 0
    var cpuSamples: [CPUSampleRecord] = []
    var cpuSampleHead = 0
    var lastTs: Int64 = 0
    var syncs: UInt64 = 0
    var finished = false
    var pendingError: GoTraceError?
    /// A Go 1.21 trace: all of it, converted event by event.
    var v1: V1Converter?
    /// Clock facts of a Go 1.21 trace (its times are relative to its first event, in TSC-derived ticks).
    public var v1Clock: V1Clock? { v1?.clock }

    /// The header: `go 1.NN trace` padded with NULs to 16 bytes.
    public static func version(of bytes: UnsafeRawBufferPointer) throws(GoTraceError) -> TraceVersion {
        guard bytes.count >= 16 else { throw GoTraceError(offset: 0, "not a Go execution trace: \(bytes.count) bytes, a 16-byte header expected") }
        let head = String(decoding: bytes[0..<16].prefix { $0 != 0 }, as: UTF8.self)
        let parts = head.split(separator: " ")
        guard parts.count == 3, parts[0] == "go", parts[2] == "trace", parts[1].hasPrefix("1."),
              let minor = Int(parts[1].dropFirst(2)) else {
            throw GoTraceError(offset: 0, "not a Go execution trace: header \(head.debugDescription), expected \"go 1.NN trace\"")
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
            return
        }
        guard [TraceVersion.go122, .go123, .go125, .go126].contains(v) else {
            throw GoTraceError(offset: 0, "trace version \(v) is not supported (headers go 1.21, 1.22, 1.23, 1.25, 1.26)")
        }
        generations = GenerationReader(bytes: bytes, version: v, start: 16)
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

    func syncEvent(_ time: Int64) -> TraceEvent {
        var e = TraceEvent(type: .syncMarker, time: time, rawTime: time, m: -1, p: -1, g: -1)
        e.args.a0 = syncs
        e.generation = gen?.number ?? 0
        return e
    }

    /// Reads the cursor's next event; false at the end of its batches.
    mutating func advanceCursor(_ c: inout Cursor) throws(GoTraceError) -> Bool {
        try Self.advance(&c, flatBatches, genFreq, genNumber, version)
    }

    /// Static, so the frontier's cursors advance in place (no copy of a cursor per event).
    static func advance(_ c: inout Cursor, _ flatBatches: [Batch], _ genFreq: Double, _ genNumber: UInt64,
                        _ version: TraceVersion) throws(GoTraceError) -> Bool {
        while c.batchIndex < c.batchEnd, c.offset == flatBatches[c.batchIndex].data.count {
            c.batchIndex += 1
            c.offset = 0
            c.lastTs = 0
        }
        guard c.batchIndex < c.batchEnd else { return false }
        let b = flatBatches[c.batchIndex]
        if c.lastTs == 0 { c.lastTs = nanoseconds(ticks: b.time, freq: genFreq) }
        var cur = ByteCursor(UnsafeRawBufferPointer(rebasing: b.data[c.offset...]), origin: b.offset + c.offset)
        let at = cur.offset
        let t = EventType(rawValue: b.data[c.offset])
        let n = EventType.timedArgCounts.withUnsafeBufferPointer { $0[Int(t.rawValue)] }
        guard n > 0, EventType.isDefined(t, in: version) else {
            throw GoTraceError(offset: at, "event type \(t.rawValue) is not a timed event of a \(version) trace")
        }
        // Fast path: with room for the longest event (6 varints of 10 bytes) read without bound checks;
        // anything odd (an overlong varint) falls through to the checked reads, which name the error.
        if b.data.count - c.offset > 60 {
            let p = b.data.baseAddress.unsafelyUnwrapped + c.offset
            var i = 1
            var ok = true
            @inline(__always) func varint() -> UInt64 {
                var r: UInt64 = 0, shift: UInt64 = 0
                while true {
                    let byte = p.load(fromByteOffset: i, as: UInt8.self)
                    i += 1
                    if shift == 63 && byte > 1 { ok = false; return 0 }
                    r |= UInt64(byte & 0x7f) << shift
                    if byte < 0x80 { return r }
                    shift += 7
                    if shift > 63 { ok = false; return 0 }
                }
            }
            let dt = varint()
            var ev = TraceEvent(type: t, time: 0, rawTime: 0, m: c.m, p: -1, g: -1)
            for k in 0..<Int(n - 1) { ev.args[k] = varint() }
            if ok {
                ev.time = nanoseconds(ticks: dt, freq: genFreq) &+ c.lastTs
                ev.rawTime = ev.time
                ev.generation = genNumber
                c.lastTs = ev.time
                c.offset += i
                c.ev = ev
                return true
            }
        }
        do { try cur.skip(1) } catch {}
        // The description is built only for an error: this runs for every event.
        func u(_ what: @autoclosure () -> String) throws(GoTraceError) -> UInt64 {
            do { return try cur.uleb128(what()) } catch { throw GoTraceError(offset: error.offset, "\(t) \(what()): \(error.kind)") }
        }
        let dt = try u("time delta")
        var ev = TraceEvent(type: t, time: 0, rawTime: 0, m: c.m, p: -1, g: -1)
        for i in 0..<Int(n - 1) { ev.args[i] = try u("argument \(i + 1)") }
        ev.time = nanoseconds(ticks: dt, freq: genFreq) &+ c.lastTs
        ev.rawTime = ev.time
        ev.generation = genNumber
        c.lastTs = ev.time
        c.offset += cur.offset - at
        c.ev = ev
        return true
    }

    // Min-heap by next event time, exactly as batchcursor.go's (ties resolve the same way).
    mutating func siftUp(_ i: Int) -> Int {
        var i = i
        while i > 0, frontier[(i - 1) / 2].ev.time > frontier[i].ev.time {
            frontier.swapAt((i - 1) / 2, i)
            i = (i - 1) / 2
        }
        return i
    }
    mutating func siftDown(_ i: Int) {
        var i = i
        while true {
            var m = i
            var minT = Int64.max
            if i < frontier.count { minT = frontier[i].ev.time }
            let l = 2 * i + 1, r = l + 1
            if l < frontier.count, frontier[l].ev.time < minT { minT = frontier[l].ev.time; m = l }
            if r < frontier.count, frontier[r].ev.time < minT { m = r }
            if m == i { return }
            frontier.swapAt(i, m)
            i = m
        }
    }
    mutating func heapUpdate(_ i: Int) { if siftUp(i) == i { siftDown(i) } }
    mutating func heapRemove(_ i: Int) {
        var i = i
        while i > 0 {
            frontier.swapAt((i - 1) / 2, i)
            i = (i - 1) / 2
        }
        frontier.swapAt(0, frontier.count - 1)
        frontier.removeLast()
        siftDown(0)
    }

    mutating func installNextGeneration() throws(GoTraceError) -> Bool {
        let next: Generation?
        do { next = try generations.next() } catch {
            pendingError = error
            return false
        }
        if let t = generations.truncation, pendingError == nil {
            warnings.append("trace ends with a broken batch (\(t)); the batches before it are read")
        }
        guard let g = next else { return false }
        gen = g
        ticksPerSecond = 1e9 / g.freq
        if let s = g.snapshot { snapshots.append(s) }
        cpuSamples = g.cpuSamples
        cpuSampleHead = 0
        frontier.removeAll()
        genFreq = g.freq
        genNumber = g.number
        flatBatches.removeAll(keepingCapacity: true)
        for m in g.batchMs {
            var c = Cursor(m: m)
            c.batchIndex = flatBatches.count
            flatBatches += g.batches[m] ?? []
            c.batchEnd = flatBatches.count
            if try advanceCursor(&c) {
                frontier.append(c)
                _ = siftUp(frontier.count - 1)
            }
        }
        return true
    }

    /// The next event; nil at the end. Errors name the offset; a trace cut short yields every complete
    /// generation, then a warning (see `warnings`).
    public mutating func next() throws(GoTraceError) -> TraceEvent? {
        if v1 != nil { return try nextV1() }
        if finished { return nil }
        if let e = order.next() { return nudge(e) }
        if frontier.isEmpty && cpuSampleHead >= cpuSamples.count {
            if try installNextGeneration() {
                syncs += 1
                return nudge(syncEvent(nanoseconds(ticks: gen!.minTs, freq: gen!.freq)))
            }
            finished = true
            if let e = pendingError {
                if syncs == 0 { throw e }
                warnings.append("trace is truncated or corrupt after \(syncs) generation(s): \(e)")
            }
            syncs += 1
            return nudge(syncEvent(lastTs))
        }
        if cpuSampleHead < cpuSamples.count, frontier.isEmpty || cpuSamples[cpuSampleHead].time < frontier[0].ev.time {
            let s = cpuSamples[cpuSampleHead]
            cpuSampleHead += 1
            var e = TraceEvent(type: .cpuSample, time: s.time, rawTime: s.time, m: s.m, p: s.p, g: s.g)
            e.args.a0 = s.stack
            e.generation = gen?.number ?? 0
            return nudge(e)
        }
        func tryAdvance(_ i: Int) throws(GoTraceError) -> Bool {
            let m = frontier[i].m
            guard order.advance(&frontier[i].ev, m: m, gen: genNumber) else { return false }
            if try Self.advance(&frontier[i], flatBatches, genFreq, genNumber, version) {
                heapUpdate(i)
            } else {
                heapRemove(i)
            }
            return true
        }
        if try !tryAdvance(0) {
            // Rare: sort, then try the others in time order (a sorted array is still a heap).
            frontier.sort { $0.ev.time < $1.ev.time }
            var ok = false
            for i in 1..<max(frontier.count, 1) where i < frontier.count {
                if try tryAdvance(i) { ok = true; break }
            }
            if !ok {
                let at = frontier.first.map { "M \($0.m) \($0.ev.type) at \($0.ev.time) ns" } ?? "nothing"
                throw GoTraceError(offset: generations.position, "broken trace: no M can advance in generation \(genNumber) (next: \(at))")
            }
        }
        guard let e = order.next() else { return try next() }
        return nudge(e)
    }
}
