import BinaryIO

/// Thrown for traces that cannot be read; names the file offset and what was expected.
public struct GoTraceError: Error, CustomStringConvertible, Sendable {
    public var offset: Int
    public var message: String
    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "offset \(offset): \(message)" }
}

/// One batch: its header and where its payload lies in the file.
struct Batch {
    var m: Int64
    var time: UInt64
    var data: UnsafeRawBufferPointer
    var offset: Int  // of the payload, for errors
    var experiment: UInt8
}

/// A source frame of a trace stack.
public struct TraceFrame: Sendable, Hashable {
    public var pc: UInt64
    public var function: String
    public var file: String
    public var line: UInt64
}

/// A clock snapshot (Go ≥ 1.25): the trace clock, CLOCK_MONOTONIC and wall time read together.
public struct ClockSnapshot: Sendable, Equatable {
    /// Trace time in ns (as the parser reports it).
    public var time: Int64
    public var mono: UInt64
    public var wallSeconds: UInt64
    public var wallNanoseconds: UInt64
}

/// Ticks to nanoseconds as Go computes them (`Time(float64(ticks) * freq)`). Out of range (corrupt
/// input) gives what Go's conversion gives on amd64, Int64.min, instead of trapping.
@inline(__always) func nanoseconds(ticks: UInt64, freq: Double) -> Int64 {
    // Below 2^63 (always, in practice) the signed conversion gives the same Double in one instruction.
    let d = Int64(bitPattern: ticks) >= 0 ? Double(Int64(bitPattern: ticks)) : Double(ticks)
    let x = d * freq
    return x > -9.223372036854775e18 && x < 9.223372036854775e18 ? Int64(x) : .min
}

/// Everything read from one generation before its events are ordered.
struct Generation {
    var number: UInt64 = 0
    var minTs: UInt64 = 0
    var freq: Double = 0  // ns per tick
    var snapshot: ClockSnapshot?
    var strings: [UInt64: String] = [:]
    var stacks: [UInt64: [UInt64]] = [:]
    var pcs: [UInt64: (funcID: UInt64, fileID: UInt64, line: UInt64)] = [:]
    var cpuSamples: [CPUSampleRecord] = []
    var batchMs: [Int64] = []
    var batches: [Int64: [Batch]] = [:]
    var snapshotRaw: (ts: UInt64, mono: UInt64, sec: UInt64, nsec: UInt64)?

    func frames(_ stack: UInt64) -> [TraceFrame] {
        guard let pcs = stacks[stack] else { return [] }
        return pcs.map { pc in
            let f = self.pcs[pc]
            return TraceFrame(pc: pc, function: f.flatMap { strings[$0.funcID] } ?? "",
                              file: f.flatMap { strings[$0.fileID] } ?? "", line: f?.line ?? 0)
        }
    }
}

struct CPUSampleRecord {
    var time: Int64
    var m: Int64
    var p: Int64
    var g: Int64
    var stack: UInt64
}

/// Reads batches and groups them into generations, as `internal/trace`'s `readGeneration`
/// (Go 1.26 traces: up to EndOfGeneration) and `readGenerationWithSpill` (earlier: until a batch of
/// the next generation, which is kept for the next call).
struct GenerationReader {
    let bytes: UnsafeRawBufferPointer
    let version: TraceVersion
    var position: Int
    var spill: (gen: UInt64, batch: Batch)?
    var done = false

    init(bytes: UnsafeRawBufferPointer, version: TraceVersion, start: Int) {
        self.bytes = bytes
        self.version = version
        self.position = start
    }

    func uvarint(_ c: inout ByteCursor, _ what: String) throws(GoTraceError) -> UInt64 {
        do { return try c.uleb128(what) } catch { throw GoTraceError(offset: error.offset, "\(what): \(error.kind)") }
    }

    /// The next batch and its generation; nil at the end. An EndOfGeneration byte gives a batch with no data.
    mutating func readBatch() throws(GoTraceError) -> (batch: Batch, gen: UInt64, isEnd: Bool)? {
        guard position < bytes.count else { return nil }
        var c = ByteCursor(UnsafeRawBufferPointer(rebasing: bytes[position...]), origin: position)
        let start = position
        let t = EventType(rawValue: bytes[position])
        if t == .endOfGeneration {
            position += 1
            return (
                Batch(m: -1, time: 0, data: UnsafeRawBufferPointer(start: nil, count: 0), offset: start, experiment: 0),
                0, true
            )
        }
        guard t == .eventBatch || t == .experimentalBatch else {
            throw GoTraceError(offset: start, "expected a batch (event type 1 or 49), found event type \(t.rawValue)")
        }
        do { try c.skip(1) } catch {}
        var exp: UInt8 = 0
        if t == .experimentalBatch {
            do { exp = try c.u8("experiment id") } catch {
                throw GoTraceError(offset: error.offset, "truncated batch header: experiment id")
            }
        }
        let gen = try uvarint(&c, "batch generation")
        let m = try uvarint(&c, "batch M id")
        let ts = try uvarint(&c, "batch timestamp")
        let size = try uvarint(&c, "batch size")
        guard size <= 65536 else {
            throw GoTraceError(offset: c.offset, "batch size \(size) exceeds the maximum 65536")
        }
        let dataOffset = c.offset
        let data: UnsafeRawBufferPointer
        do { data = try c.bytes(Int(size), "batch payload") } catch {
            throw GoTraceError(
                offset: dataOffset, "truncated batch: payload of \(size) bytes, \(bytes.count - dataOffset) left")
        }
        position = c.offset
        return (Batch(m: Int64(bitPattern: m), time: ts, data: data, offset: dataOffset, experiment: exp), gen, false)
    }

    /// The next complete generation; nil at the end.
    mutating func next() throws(GoTraceError) -> Generation? {
        if done { return nil }
        var g = Generation()
        if version >= .go126 {
            var sawBatch = false
            while true {
                guard let (b, gen, isEnd) = try readBatch() else {
                    done = true
                    if sawBatch {
                        throw GoTraceError(offset: position, "incomplete generation at the end: the trace is truncated")
                    }
                    return nil
                }
                if g.number == 0 { g.number = gen }
                if isEnd { break }
                sawBatch = true
                guard gen != 0 else { throw GoTraceError(offset: b.offset, "invalid generation number 0") }
                guard gen == g.number else {
                    throw GoTraceError(
                        offset: b.offset, "missing end-of-generation event, or generations are interleaved")
                }
                if g.minTs == 0 || b.time < g.minTs { g.minTs = b.time }
                try process(&g, b)
            }
            try g.finish(version: version, offset: position)
            return g
        }
        if let s = spill {
            g.number = s.gen
            g.minTs = s.batch.time
            try process(&g, s.batch)
            spill = nil
        } else if position >= bytes.count {
            done = true
            return nil
        }
        while true {
            let item: (batch: Batch, gen: UInt64, isEnd: Bool)?
            do { item = try readBatch() } catch {
                // As Go does: a broken batch after a started generation ends the trace there.
                if g.number != 0 {
                    done = true
                    truncation = error
                    break
                }
                throw error
            }
            guard let (b, gen, _) = item else { done = true; break }
            guard gen != 0 else { throw GoTraceError(offset: b.offset, "invalid generation number 0") }
            if g.number == 0 { g.number = gen }
            if gen == g.number &+ 1 {
                spill = (gen, b)
                break
            }
            guard gen == g.number else { throw GoTraceError(offset: b.offset, "generations out of order") }
            if g.minTs == 0 || b.time < g.minTs { g.minTs = b.time }
            try process(&g, b)
        }
        if g.number == 0 { return nil }
        try g.finish(version: version, offset: position)
        return g
    }

    /// Set when a broken batch ended the trace (the generations before it are kept).
    var truncation: GoTraceError?

    func process(_ g: inout Generation, _ b: Batch) throws(GoTraceError) {
        guard b.experiment == 0, let first = b.data.first else {
            return  // experimental batches (AllocFree) are opaque to this reader
        }
        var c = BatchCursor(c: ByteCursor(b.data, origin: b.offset))
        switch EventType(rawValue: first) {
        case .strings: try g.readStrings(&c)
        case .stacks: try g.readStacks(&c)
        case .cpuSamples: try g.readCPUSamples(&c)
        case .frequency where version < .go125, .sync where version >= .go125:
            try g.readSync(&c, batchTime: b.time, version: version)
        default:
            if g.batches[b.m] == nil { g.batchMs.append(b.m) }
            g.batches[b.m, default: []].append(b)
        }
    }
}

/// A batch's bytes, read with the errors a trace reader reports: what was being read, at its offset.
struct BatchCursor {
    var c: ByteCursor

    mutating func u(_ what: @autoclosure () -> String) throws(GoTraceError) -> UInt64 {
        do { return try c.uleb128(what()) } catch {
            throw GoTraceError(offset: error.offset, "\(what()): \(error.kind)")
        }
    }

    mutating func byte(_ what: String) throws(GoTraceError) -> UInt8 {
        do { return try c.u8(what) } catch { throw GoTraceError(offset: error.offset, "\(what): truncated") }
    }
}

// The batches a generation keeps as tables rather than events: strings, stacks, CPU samples, and the
// frequency (and, from Go 1.25, clock snapshot) of the sync batch.
extension Generation {
    mutating func readStrings(_ c: inout BatchCursor) throws(GoTraceError) {
        _ = try c.byte("strings batch header")
        while !c.c.isAtEnd {
            let at = c.c.offset
            guard try c.byte("string event") == EventType.string.rawValue else {
                throw GoTraceError(offset: at, "expected a string event")
            }
            let id = try c.u("string id")
            let len = try c.u("string length")
            guard len <= 1024 else { throw GoTraceError(offset: c.c.offset, "string length \(len) exceeds 1024") }
            let raw: UnsafeRawBufferPointer
            do { raw = try c.c.bytes(Int(len), "string data") } catch {
                throw GoTraceError(offset: error.offset, "truncated string data")
            }
            guard strings[id] == nil else { throw GoTraceError(offset: at, "string id \(id) defined twice") }
            strings[id] = String(decoding: raw, as: UTF8.self)
        }
    }

    mutating func readStacks(_ c: inout BatchCursor) throws(GoTraceError) {
        _ = try c.byte("stacks batch header")
        while !c.c.isAtEnd {
            let at = c.c.offset
            guard try c.byte("stack event") == EventType.stack.rawValue else {
                throw GoTraceError(offset: at, "expected a stack event")
            }
            let id = try c.u("stack id")
            let n = try c.u("stack frame count")
            guard n <= 128 else { throw GoTraceError(offset: c.c.offset, "stack of \(n) frames exceeds 128") }
            var frames: [UInt64] = []
            frames.reserveCapacity(Int(n))
            for _ in 0..<n {
                let pc = try c.u("frame pc"), fn = try c.u("frame function"), file = try c.u("frame file"),
                    line = try c.u("frame line")
                frames.append(pc)
                if pcs[pc] == nil { pcs[pc] = (fn, file, line) }
            }
            stacks[id] = frames
        }
    }

    mutating func readCPUSamples(_ c: inout BatchCursor) throws(GoTraceError) {
        _ = try c.byte("CPU samples batch header")
        while !c.c.isAtEnd {
            let at = c.c.offset
            guard try c.byte("CPU sample event") == EventType.cpuSample.rawValue else {
                throw GoTraceError(offset: at, "expected a CPU sample event")
            }
            let ts = try c.u("sample time"), m = try c.u("sample M"), p = try c.u("sample P"),
                gid = try c.u("sample G"), st = try c.u("sample stack")
            cpuSamples.append(
                CPUSampleRecord(
                    time: Int64(bitPattern: ts), m: Int64(bitPattern: m), p: Int64(bitPattern: p),
                    g: gid == 0 ? -1 : Int64(bitPattern: gid), stack: st))
        }
    }

    /// The frequency batch (before Go 1.25) or the sync batch: the tick frequency and the clock snapshot.
    mutating func readSync(_ c: inout BatchCursor, batchTime: UInt64, version: TraceVersion) throws(GoTraceError) {
        if version >= .go125 { _ = try c.byte("sync batch header") }
        var last = batchTime
        while !c.c.isAtEnd {
            let at = c.c.offset
            let e = EventType(rawValue: try c.byte("sync batch event"))
            if e == .frequency {
                guard freq == 0 else { throw GoTraceError(offset: at, "more than one frequency event") }
                let f = try c.u("frequency")
                guard f > 0 else { throw GoTraceError(offset: at, "frequency 0") }
                freq = 1.0 / (Double(f) / 1e9)
            } else if e == .clockSnapshot, version >= .go125 {
                guard snapshotRaw == nil else { throw GoTraceError(offset: at, "more than one clock snapshot") }
                last &+= try c.u("clock snapshot time delta")
                snapshotRaw = (
                    last, try c.u("clock snapshot mono"), try c.u("clock snapshot seconds"),
                    try c.u("clock snapshot nanoseconds")
                )
            } else {
                throw GoTraceError(offset: at, "expected a frequency or clock snapshot event, found \(e)")
            }
        }
    }
}

extension Generation {
    mutating func finish(version: TraceVersion, offset: Int) throws(GoTraceError) {
        guard freq > 0 else { throw GoTraceError(offset: offset, "generation \(number) has no frequency event") }
        if version >= .go126, snapshotRaw == nil {
            throw GoTraceError(offset: offset, "generation \(number) has no clock snapshot")
        }
        if let s = snapshotRaw {
            snapshot = ClockSnapshot(
                time: nanoseconds(ticks: s.ts, freq: freq), mono: s.mono, wallSeconds: s.sec, wallNanoseconds: s.nsec)
        }
        for i in cpuSamples.indices {
            cpuSamples[i].time = nanoseconds(ticks: UInt64(bitPattern: cpuSamples[i].time), freq: freq)
        }
        cpuSamples.sort { $0.time < $1.time }
    }
}
