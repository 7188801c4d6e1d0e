import BinaryIO

// Go 1.21 (v1) execution traces, read as Go 1.27's `internal/trace/internal/tracev1` does (parser.go,
// order.go): every batch located first, then the per-P batches merged into one order that respects
// goroutine sequence numbers, times made relative to the first event, then the state checks. The
// conversion to Go 1.22+ events (`tracev1.go`) is in V1Convert.swift.

/// Event types of the v1 wire format (go1.21 `src/runtime/trace.go`). Open: unknown values survive
/// and print as numbers.
public struct V1EventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    @inlinable public static var none: V1EventType { V1EventType(rawValue: 0) }
    @inlinable public static var batch: V1EventType { V1EventType(rawValue: 1) }
    @inlinable public static var frequency: V1EventType { V1EventType(rawValue: 2) }
    @inlinable public static var stack: V1EventType { V1EventType(rawValue: 3) }
    @inlinable public static var gomaxprocs: V1EventType { V1EventType(rawValue: 4) }
    @inlinable public static var procStart: V1EventType { V1EventType(rawValue: 5) }
    @inlinable public static var procStop: V1EventType { V1EventType(rawValue: 6) }
    @inlinable public static var gcStart: V1EventType { V1EventType(rawValue: 7) }
    @inlinable public static var gcDone: V1EventType { V1EventType(rawValue: 8) }
    @inlinable public static var stwStart: V1EventType { V1EventType(rawValue: 9) }
    @inlinable public static var stwDone: V1EventType { V1EventType(rawValue: 10) }
    @inlinable public static var gcSweepStart: V1EventType { V1EventType(rawValue: 11) }
    @inlinable public static var gcSweepDone: V1EventType { V1EventType(rawValue: 12) }
    @inlinable public static var goCreate: V1EventType { V1EventType(rawValue: 13) }
    @inlinable public static var goStart: V1EventType { V1EventType(rawValue: 14) }
    @inlinable public static var goEnd: V1EventType { V1EventType(rawValue: 15) }
    @inlinable public static var goStop: V1EventType { V1EventType(rawValue: 16) }
    @inlinable public static var goSched: V1EventType { V1EventType(rawValue: 17) }
    @inlinable public static var goPreempt: V1EventType { V1EventType(rawValue: 18) }
    @inlinable public static var goSleep: V1EventType { V1EventType(rawValue: 19) }
    @inlinable public static var goBlock: V1EventType { V1EventType(rawValue: 20) }
    @inlinable public static var goUnblock: V1EventType { V1EventType(rawValue: 21) }
    @inlinable public static var goBlockSend: V1EventType { V1EventType(rawValue: 22) }
    @inlinable public static var goBlockRecv: V1EventType { V1EventType(rawValue: 23) }
    @inlinable public static var goBlockSelect: V1EventType { V1EventType(rawValue: 24) }
    @inlinable public static var goBlockSync: V1EventType { V1EventType(rawValue: 25) }
    @inlinable public static var goBlockCond: V1EventType { V1EventType(rawValue: 26) }
    @inlinable public static var goBlockNet: V1EventType { V1EventType(rawValue: 27) }
    @inlinable public static var goSysCall: V1EventType { V1EventType(rawValue: 28) }
    @inlinable public static var goSysExit: V1EventType { V1EventType(rawValue: 29) }
    @inlinable public static var goSysBlock: V1EventType { V1EventType(rawValue: 30) }
    @inlinable public static var goWaiting: V1EventType { V1EventType(rawValue: 31) }
    @inlinable public static var goInSyscall: V1EventType { V1EventType(rawValue: 32) }
    @inlinable public static var heapAlloc: V1EventType { V1EventType(rawValue: 33) }
    @inlinable public static var heapGoal: V1EventType { V1EventType(rawValue: 34) }
    @inlinable public static var timerGoroutine: V1EventType { V1EventType(rawValue: 35) }
    @inlinable public static var futileWakeup: V1EventType { V1EventType(rawValue: 36) }
    @inlinable public static var string: V1EventType { V1EventType(rawValue: 37) }
    @inlinable public static var goStartLocal: V1EventType { V1EventType(rawValue: 38) }
    @inlinable public static var goUnblockLocal: V1EventType { V1EventType(rawValue: 39) }
    @inlinable public static var goSysExitLocal: V1EventType { V1EventType(rawValue: 40) }
    @inlinable public static var goStartLabel: V1EventType { V1EventType(rawValue: 41) }
    @inlinable public static var goBlockGC: V1EventType { V1EventType(rawValue: 42) }
    @inlinable public static var gcMarkAssistStart: V1EventType { V1EventType(rawValue: 43) }
    @inlinable public static var gcMarkAssistDone: V1EventType { V1EventType(rawValue: 44) }
    @inlinable public static var userTaskCreate: V1EventType { V1EventType(rawValue: 45) }
    @inlinable public static var userTaskEnd: V1EventType { V1EventType(rawValue: 46) }
    @inlinable public static var userRegion: V1EventType { V1EventType(rawValue: 47) }
    @inlinable public static var userLog: V1EventType { V1EventType(rawValue: 48) }
    @inlinable public static var cpuSample: V1EventType { V1EventType(rawValue: 49) }
    /// One past the last defined type.
    @inlinable public static var count: UInt8 { 50 }

    static let names = [
        "None", "Batch", "Frequency", "Stack", "Gomaxprocs", "ProcStart", "ProcStop", "GCStart", "GCDone", "GCSTWStart",
        "GCSTWDone", "GCSweepStart", "GCSweepDone", "GoCreate", "GoStart", "GoEnd", "GoStop", "GoSched", "GoPreempt",
        "GoSleep", "GoBlock", "GoUnblock", "GoBlockSend", "GoBlockRecv", "GoBlockSelect", "GoBlockSync", "GoBlockCond",
        "GoBlockNet", "GoSysCall", "GoSysExit", "GoSysBlock", "GoWaiting", "GoInSyscall", "HeapAlloc", "HeapGoal",
        "TimerGoroutine", "FutileWakeup", "String", "GoStartLocal", "GoUnblockLocal", "GoSysExitLocal", "GoStartLabel",
        "GoBlockGC", "GCMarkAssistStart", "GCMarkAssistDone", "UserTaskCreate", "UserTaskEnd", "UserRegion", "UserLog",
        "CPUSample",
    ]
    public var description: String { rawValue < Self.count ? Self.names[Int(rawValue)] : "v1 event \(rawValue)" }

    /// Named arguments of each type (`EventDescriptions[t].Args` in Go), the time delta and stack excluded.
    static let argCounts: [UInt8] = [
        0, 2, 1, 2, 1, 1, 0, 1, 0, 1, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 1, 1, 1, 1,
        1, 0, 0, 1, 1, 2, 3, 0, 0, 0, 3, 1, 3, 2, 3,
    ]
    /// Whether the last argument is a stack id (`EventDescriptions[t].Stack`).
    @inline(__always) var hasStack: Bool {
        switch rawValue {
        case 4, 7, 11, 13, 16...28, 39, 42, 43, 45...49: return true
        default: return false
        }
    }

    /// Wire arguments a well-formed event has (Go's `rawEvent.argNum`); not for Stack, whose count varies.
    static let wireArgCounts: [Int] = (0..<Int(count)).map { t in
        var n = Int(argCounts[t]) + (V1EventType(rawValue: UInt8(t)).hasStack ? 1 : 0)
        if t != 1 && t != 2 && t != 35 { n += 1 }  // every type but Batch, Frequency, TimerGoroutine is timed
        return n
    }
}

/// Fake Ps of Go's v1 parser (`tracev1.FakeP` …): where it moves timer unblocks, syscall exits, GC starts.
enum V1FakeP {
    static let timer: Int32 = 1_000_001
    static let netpoll: Int32 = 1_000_002
    static let syscall: Int32 = 1_000_003
    static let gc: Int32 = 1_000_004
    static let profile: Int32 = 1_000_005
}

/// One v1 event as Go's tracev1 parser keeps it (`tracev1.Event`), plus where it was read.
struct V1Event {
    /// Ticks while merging; nanoseconds since the first event afterwards.
    var ts: Int64 = 0
    var g: UInt64 = 0
    var a0: UInt64 = 0, a1: UInt64 = 0, a2: UInt64 = 0, a3: UInt64 = 0
    var stk: UInt32 = 0
    var p: Int32 = 0
    var type = V1EventType.none
    /// File offset of the event's header byte (saturated beyond 4 GiB), for errors.
    var offset: UInt32 = 0

    @inline(__always) mutating func setArg(_ i: Int, _ v: UInt64) {
        switch i {
        case 0: a0 = v
        case 1: a1 = v
        case 2: a2 = v
        default: a3 = v
        }
    }
}

/// An event as read off the wire, before `parseEvent` (Go's `rawEvent`). Arguments are kept inline
/// (no allocation per event); only Stack events, whose length varies, use `long`.
struct V1RawEvent {
    var type = V1EventType.none
    /// How many arguments were read (an event may carry more than the six kept inline: it is then rejected).
    var argc = 0
    var x0: UInt64 = 0, x1: UInt64 = 0, x2: UInt64 = 0, x3: UInt64 = 0, x4: UInt64 = 0, x5: UInt64 = 0
    var long: [UInt64] = []
    /// UserLog's inline value: where its bytes lie in the file.
    var stringStart = 0
    var stringCount = 0
    var batchPid: Int32 = 0
    var offset = 0

    @inline(__always) mutating func reset(_ t: V1EventType) {
        type = t
        argc = 0
        if t == .stack { long.removeAll(keepingCapacity: true) }
    }

    @inline(__always) mutating func append(_ v: UInt64) {
        if type == .stack {
            long.append(v)
        } else {
            switch argc {
            case 0: x0 = v
            case 1: x1 = v
            case 2: x2 = v
            case 3: x3 = v
            case 4: x4 = v
            case 5: x5 = v
            default: break
            }
        }
        argc += 1
    }

    @inline(__always) subscript(i: Int) -> UInt64 {
        if type == .stack { return long[i] }
        switch i {
        case 0: return x0
        case 1: return x1
        case 2: return x2
        case 3: return x3
        case 4: return x4
        default: return x5
        }
    }
}

/// The whole v1 trace, parsed, merged, normalized and checked (`tracev1.Trace`).
struct V1Trace {
    var events: [V1Event] = []
    var strings: [UInt64: String] = [:]
    var inlineStrings: [String] = []
    var stacks: [UInt32: [UInt64]] = [:]
    var pcs: [UInt64: (fn: UInt64, file: UInt64, line: UInt64)] = [:]
    var ticksPerSecond: Int64 = 0
    /// Ticks of the first event: trace time 0.
    var minTicks: Int64 = 0
    var warnings: [String] = []
}

/// Go 1.27's `tracev1.parser`, over the file's bytes (the 16-byte header included: offsets are the file's).
struct V1Parser {
    let data: UnsafeRawBufferPointer
    /// Where reading stops: the file's end, or the start of the first event that could not be read.
    var end: Int
    var off = 16

    var strings: [UInt64: String] = [:]
    var inlineStrings: [String] = []
    var inlineIDs: [String: Int] = [:]
    var batchOffsets: [Int32: [Int]] = [:]
    /// Ps in the order their first batch appears (Go's map order is random; this one is stable).
    var pids: [Int32] = []
    var stacks: [UInt32: [UInt64]] = [:]
    var pcs: [UInt64: (fn: UInt64, file: UInt64, line: UInt64)] = [:]
    var ticksPerSec: Int64 = 0
    var cpuSamples: [V1Event] = []
    var timerGoids: Set<UInt64> = []
    var truncation: GoTraceError?
    /// Whether pass 1 met the footer's frequency event.
    var sawFrequency = false
    /// Events pass 1 saw (strings excluded): the merged stream's capacity.
    var eventCount = 0
    /// `V1EventType.wireArgCounts`, held here so the per-event path does not check a global's initialization.
    let wireArgs = V1EventType.wireArgCounts

    // parseEvent's state
    var lastTs: Int64 = 0
    var lastG: UInt64 = 0
    var lastGs: [Int32: UInt64] = [:]
    var lastP: Int32 = 0

    init(data: UnsafeRawBufferPointer) {
        self.data = data
        end = data.count
    }

    @inline(__always) static func offset32(_ o: Int) -> UInt32 { o < Int(UInt32.max) ? UInt32(o) : .max }

    /// `binary.Uvarint` at `off`: non-minimal encodings are accepted, more than 64 bits are not.
    @inline(__always) mutating func readVal(_ type: V1EventType, _ what: StaticString) throws(GoTraceError) -> UInt64 {
        var v: UInt64 = 0
        var i = off
        var shift: UInt64 = 0
        while i < end {
            let b = data.load(fromByteOffset: i, as: UInt8.self)
            if _slowPath(i - off == 9 && b > 1) {
                throw GoTraceError(offset: off, "\(type) \(what): varint overflows 64 bits")
            }
            v |= UInt64(b & 0x7f) << shift
            i += 1
            if b & 0x80 == 0 {
                off = i
                return v
            }
            shift += 7
        }
        throw GoTraceError(offset: off, "\(type) \(what): truncated varint (\(end - off) bytes left)")
    }

    mutating func readFull(_ n: UInt64, _ type: V1EventType, _ what: StaticString) throws(GoTraceError) -> UnsafeRawBufferPointer {
        guard n <= UInt64(end - off) else {
            throw GoTraceError(offset: off, "\(type) \(what): \(n) bytes, only \(end - off) left")
        }
        let r = UnsafeRawBufferPointer(rebasing: data[off..<(off + Int(n))])
        off += Int(n)
        return r
    }

    /// Go's `readRawEvent`: false at the end. `skip` reads past arguments and strings (the first pass).
    mutating func readRawEvent(skip: Bool, _ ev: inout V1RawEvent) throws(GoTraceError) -> Bool {
        guard off < end else { return false }
        let start = off
        let b = data.load(fromByteOffset: off, as: UInt8.self)
        off += 1
        let typ = V1EventType(rawValue: b & 0x3f)
        let narg = Int(b >> 6) + 1
        ev.offset = start
        guard typ != .none, typ.rawValue < V1EventType.count else {
            throw GoTraceError(offset: start, "unknown v1 event type \(typ.rawValue)")
        }
        switch typ {
        case .string:
            // A string dictionary entry [id, length, bytes].
            let id = try readVal(typ, "id")
            let len = try readVal(typ, "length")
            if skip {
                _ = try readFull(len, typ, "bytes")
            } else {
                guard id != 0 else { throw GoTraceError(offset: start, "string has invalid id 0") }
                guard strings[id, default: ""].isEmpty else { throw GoTraceError(offset: start, "string has duplicate id \(id)") }
                guard len != 0 else { throw GoTraceError(offset: start, "string has invalid length 0") }
                guard len <= 1_000_000 else { throw GoTraceError(offset: start, "string has too large length \(len)") }
                strings[id] = String(decoding: try readFull(len, typ, "bytes"), as: UTF8.self)
            }
            ev.type = .none
            return true
        case .batch:
            guard narg == 2 else { throw GoTraceError(offset: start, "Batch has wrong number of arguments: got \(narg), want 2") }
            let pid = try readVal(typ, "P")
            guard pid == .max || pid <= UInt64(Int32.max) else {
                throw GoTraceError(offset: start, "processor ID \(pid) is larger than maximum of \(Int32.max)")
            }
            let ts = try readVal(typ, "timestamp")
            ev.reset(.batch)
            ev.batchPid = pid == .max ? -1 : Int32(pid)
            ev.append(pid)
            ev.append(ts)
            return true
        default:
            ev.reset(typ)
            if narg <= 3 {
                for _ in 0..<narg {
                    let v = try readVal(typ, "argument")
                    if !skip { ev.append(v) }
                }
            } else {
                // Four or more arguments: a byte length, then the arguments.
                let len = try readVal(typ, "argument length")
                guard len <= 2048 else {
                    throw GoTraceError(offset: start, "\(typ): length-prefixed argument too big: \(len) bytes, limit is 2048")
                }
                let buf = try readFull(len, typ, "arguments")
                if !skip || typ == .cpuSample {
                    var c = ByteCursor(buf, origin: off - buf.count)
                    while !c.isAtEnd {
                        do { ev.append(try c.uleb128("argument")) } catch {
                            throw GoTraceError(offset: error.offset, "\(typ) argument: malformed varint")
                        }
                    }
                }
                if typ == .userLog {
                    let n = try readVal(typ, "value length")
                    guard skip || n <= 1_000_000 else { throw GoTraceError(offset: start, "string is too large (len=\(n))") }
                    let value = try readFull(n, typ, "value")  // bounds n before it becomes an Int
                    ev.stringStart = off - value.count
                    ev.stringCount = value.count
                }
            }
            return true
        }
    }

    /// Pass 1 (`collectBatchesAndCPUSamples`): where each P's batches start, and the CPU samples. An event
    /// that cannot be read ends the trace there (a truncated file): what came before is kept.
    mutating func collectBatchesAndCPUSamples() throws(GoTraceError) {
        var raw = V1RawEvent()
        var curP: Int32 = 0
        var haveBatch = false
        while true {
            let start = off
            do {
                guard try readRawEvent(skip: true, &raw) else { break }
            } catch {
                truncation = error
                end = start
                break
            }
            if raw.type == .none { continue }
            if raw.type == .frequency { sawFrequency = true }
            eventCount += 1
            if raw.type == .batch {
                if batchOffsets[raw.batchPid] == nil { pids.append(raw.batchPid) }
                batchOffsets[raw.batchPid, default: []].append(raw.offset)
                curP = raw.batchPid
                haveBatch = true
            }
            guard haveBatch else {
                throw GoTraceError(offset: start, "read event \(raw.type) with current P of \(curP), but P has no batches yet")
            }
            if raw.type == .cpuSample {
                let want = wireArgs[Int(raw.type.rawValue)]
                guard raw.argc == want else {
                    throw GoTraceError(offset: start, "CPU sample has wrong number of arguments: want \(want), got \(raw.argc)")
                }
                // [delta, real ticks, P, G, stack]: the sample's own time is the real ticks.
                var e = V1Event(type: .cpuSample, offset: Self.offset32(start))
                e.ts = Int64(bitPattern: raw[1])
                e.p = Int32(truncatingIfNeeded: raw[2])
                e.g = raw[3]
                e.stk = UInt32(truncatingIfNeeded: raw[4])
                cpuSamples.append(e)
            }
        }
    }

    /// Reads the batch at `offset` (up to the next batch header) into `events` (Go's `loadBatch`).
    mutating func loadBatch(at offset: Int, into events: inout [V1Event], _ raw: inout V1RawEvent) throws(GoTraceError) {
        off = offset
        var gotHeader = false
        while try readRawEvent(skip: false, &raw) {
            if raw.type == .none || raw.type == .cpuSample { continue }
            if raw.type == .batch {
                if gotHeader { break }
                gotHeader = true
            }
            if let e = try parseEvent(&raw) { events.append(e) }
        }
    }

    /// Go's `parseEvent`: dictionaries and the P/G/time state, or one event.
    mutating func parseEvent(_ raw: inout V1RawEvent) throws(GoTraceError) -> V1Event? {
        let t = raw.type
        let at = raw.offset
        if t == .stack {
            guard raw.argc >= 2 else { throw GoTraceError(offset: at, "Stack has wrong number of arguments: want at least 2, got \(raw.argc)") }
            let size = raw[1]
            guard size <= 1000 else { throw GoTraceError(offset: at, "Stack has bad number of frames: \(size)") }
            guard raw.argc == 2 + 4 * Int(size) else {
                throw GoTraceError(offset: at, "Stack has wrong number of arguments: want \(2 + 4 * size), got \(raw.argc)")
            }
            let id = UInt32(truncatingIfNeeded: raw[0])
            if id != 0 && size > 0 {
                var stk = [UInt64]()
                stk.reserveCapacity(Int(size))
                for i in 0..<Int(size) {
                    let pc = raw[2 + 4 * i]
                    stk.append(pc)
                    if pcs[pc] == nil { pcs[pc] = (raw[3 + 4 * i], raw[4 + 4 * i], raw[5 + 4 * i]) }
                }
                stacks[id] = stk
            }
            return nil
        }
        let narg = wireArgs[Int(t.rawValue)]
        guard raw.argc == narg else {
            throw GoTraceError(offset: at, "\(t) has wrong number of arguments: want \(narg), got \(raw.argc)")
        }
        switch t {
        case .batch:
            lastGs[lastP] = lastG
            lastP = raw.batchPid
            lastG = lastGs[lastP] ?? 0
            lastTs = Int64(bitPattern: raw[1])
            return nil
        case .frequency:
            ticksPerSec = Int64(bitPattern: raw[0])
            guard ticksPerSec > 0 else { throw GoTraceError(offset: at, "frequency \(raw[0]): time stamps out of order") }
            return nil
        case .timerGoroutine:
            timerGoids.insert(raw[0])
            return nil
        case .cpuSample:
            return nil
        default:
            break
        }
        var ev = V1Event(g: lastG, p: lastP, type: t, offset: Self.offset32(at))
        ev.ts = lastTs &+ Int64(bitPattern: raw[0])
        lastTs = ev.ts
        let stack = t.hasStack
        for i in 1..<narg {
            if i == narg - 1 && stack { ev.stk = UInt32(truncatingIfNeeded: raw[i]) } else { ev.setArg(i - 1, raw[i]) }
        }
        switch t {
        case .goStart, .goStartLocal, .goStartLabel:
            lastG = ev.a0
            ev.g = lastG
        case .goEnd, .goStop, .goSched, .goPreempt, .goSleep, .goBlock, .goBlockSend, .goBlockRecv, .goBlockSelect,
             .goBlockSync, .goBlockCond, .goBlockNet, .goSysBlock, .goBlockGC:
            lastG = 0
        case .goSysExit, .goWaiting, .goInSyscall:
            ev.g = ev.a0
        case .userLog:
            // The value is inline in v1: give each distinct one an id (Go's InlineStrings).
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: data[raw.stringStart..<(raw.stringStart + raw.stringCount)]), as: UTF8.self)
            if let id = inlineIDs[s] {
                ev.a3 = UInt64(id)
            } else {
                inlineIDs[s] = inlineStrings.count
                ev.a3 = UInt64(inlineStrings.count)
                inlineStrings.append(s)
            }
        default:
            break
        }
        return ev
    }
}

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
        case .goStart, .goStartLabel: return (ev.g, S(seq: ev.a1, status: S.runnable), S(seq: ev.a1 &+ 1, status: S.running))
        case .goStartLocal: return (ev.g, S(seq: noseq, status: S.runnable), S(seq: seqinc, status: S.running))
        case .goBlock, .goBlockSend, .goBlockRecv, .goBlockSelect, .goBlockSync, .goBlockCond, .goBlockNet, .goSleep,
             .goSysBlock, .goBlockGC:
            return (ev.g, S(seq: noseq, status: S.running), S(seq: noseq, status: S.waiting))
        case .goSched, .goPreempt: return (ev.g, S(seq: noseq, status: S.running), S(seq: noseq, status: S.runnable))
        case .goUnblock, .goSysExit: return (ev.a0, S(seq: ev.a1, status: S.waiting), S(seq: ev.a1 &+ 1, status: S.runnable))
        case .goUnblockLocal, .goSysExitLocal: return (ev.a0, S(seq: noseq, status: S.waiting), S(seq: seqinc, status: S.runnable))
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
        // The frontier holds each ready P's time; its event stays in the P's batch (at head − 1) until
        // popped, since a P in the frontier is not scanned again and so loads no new batch.
        var frontier: [(ts: Int64, proc: Int)] = []
        var gs = IntMap<V1GState>(capacity: 1024)
        var out: [V1Event] = []
        out.reserveCapacity(eventCount)
        var raw = V1RawEvent()

        // container/heap as Go's orderEventList uses it: equal times leave the heap's order.
        func push(_ x: (ts: Int64, proc: Int)) {
            frontier.append(x)
            var j = frontier.count - 1
            while true {
                let i = (j - 1) / 2
                if i == j || !(frontier[j].ts < frontier[i].ts) { break }
                frontier.swapAt(i, j)
                j = i
            }
        }
        func pop() -> Int {
            let n = frontier.count - 1
            frontier.swapAt(0, n)
            var i = 0
            while true {
                let j1 = 2 * i + 1
                if j1 >= n { break }
                var j = j1
                if j1 + 1 < n && frontier[j1 + 1].ts < frontier[j1].ts { j = j1 + 1 }
                if !(frontier[j].ts < frontier[i].ts) { break }
                frontier.swapAt(i, j)
                i = j
            }
            return frontier.removeLast().proc
        }

        while true {
            var i = 0
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
                    i += 1
                    continue
                }
                procs[pi].head += 1
                available.swapAt(i, available.count - 1)
                available.removeLast()
                push((ev.ts, pi))
            }
            if frontier.isEmpty {
                if let stuck = procs.first(where: { !$0.done }) {
                    let at = stuck.head < stuck.events.count ? Int(stuck.events[stuck.head].offset) : off
                    throw GoTraceError(offset: at, "no consistent ordering of events possible (P \(stuck.pid) cannot advance)")
                }
                break
            }
            let pi = pop()
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
                    throw GoTraceError(offset: Int(ev.offset), "encountered impossible goroutine state transition (\(ev.type), goroutine \(g))")
                }
                var n = next
                if n.seq == V1Order.noseq { n.seq = cur.seq } else if n.seq == V1Order.seqinc { n.seq = cur.seq &+ 1 }
                gs[key] = n
            }
            available.append(pi)
        }

        for i in out.indices.dropFirst() where out[i].ts < out[i - 1].ts {
            throw GoTraceError(offset: Int(out[i].offset), "time stamps out of order (\(out[i].type) after \(out[i - 1].type))")
        }
        // A syscall exit's event is written late: it carries the real exit time, used now that the order is fixed.
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
                guard ts >= block else { throw GoTraceError(offset: Int(out[i].offset), "time stamps out of order (syscall exit before its block)") }
                out[i].ts = ts
                moved = true
            default:
                break
            }
        }
        if moved { Self.stableSortByTime(&out) }
        return out
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

// MARK: - The whole parse

extension V1Trace {
    /// Parses a Go 1.21 trace (`tracev1.Parse`): errors name the file offset; a trace cut short keeps the
    /// events before the cut when its footer's frequency was read (the footer comes last: otherwise no
    /// time can be computed, and that is the error).
    init(bytes: UnsafeRawBufferPointer) throws(GoTraceError) {
        var p = V1Parser(data: bytes)
        try p.collectBatchesAndCPUSamples()
        // The frequency is in the footer, written when tracing stops: without it no time can be computed,
        // and the event stream is cut too (other Ps' events that the order needs are missing).
        guard p.sawFrequency else {
            if let t = p.truncation {
                throw GoTraceError(offset: t.offset, "truncated Go 1.21 trace: the footer with the clock frequency (written when tracing stops) is missing; reading stopped here: \(t.message)")
            }
            throw GoTraceError(offset: bytes.count, "Go 1.21 trace without its footer (no frequency event): the trace was cut short or tracing never stopped")
        }
        var events: [V1Event]
        do { events = try p.parseEventBatches() } catch {
            if let t = p.truncation { throw GoTraceError(offset: error.offset, "\(error.message) (the trace is cut short: \(t))") }
            throw error
        }
        guard p.ticksPerSec > 0 else {
            if let t = p.truncation {
                throw GoTraceError(offset: t.offset, "truncated Go 1.21 trace: no frequency event (it is in the footer, which is missing): \(t.message)")
            }
            throw GoTraceError(offset: bytes.count, "no frequency event: a Go 1.21 trace ends with one")
        }
        if let t = p.truncation {
            warnings.append("trace is truncated or corrupt at offset \(t.offset) (\(t.message)); the events before it are read")
        }
        if let first = events.first {
            minTicks = first.ts
            let freq = 1e9 / Double(p.ticksPerSec)
            for i in events.indices {
                events[i].ts = Self.nanoseconds(ticks: events[i].ts &- minTicks, freq: freq)
                // Timer unblocks and syscall exits go to their own fake Ps.
                if events[i].type == .goUnblock, p.timerGoids.contains(events[i].g) { events[i].p = V1FakeP.timer }
                if events[i].type == .goSysExit { events[i].p = V1FakeP.syscall }
            }
        }
        try Self.postProcess(&events)
        self.events = events
        strings = p.strings
        inlineStrings = p.inlineStrings
        stacks = p.stacks
        pcs = p.pcs
        ticksPerSecond = p.ticksPerSec
    }

    /// Go's int64 → float64 → Timestamp conversion (`Timestamp(float64(ts-minTs) * freq)`); out of range
    /// gives Int64.min as on amd64.
    @inline(__always) static func nanoseconds(ticks: Int64, freq: Double) -> Int64 {
        let x = Double(ticks) * freq
        return x > -9.223372036854775e18 && x < 9.223372036854775e18 ? Int64(x) : .min
    }

    /// `postProcessTrace`: the scheduler state checks Go makes (a trace that fails them is rejected, as
    /// Go does), GC starts moved to the GC fake P, network unblocks to the netpoll P.
    static func postProcess(_ events: inout [V1Event]) throws(GoTraceError) {
        let gDead: UInt8 = 0, gRunnable: UInt8 = 1, gRunning: UInt8 = 2, gWaiting: UInt8 = 3
        struct GDesc { var state: UInt8 = 0; var ev = -1; var markAssist = -1 }
        struct PDesc { var running = false; var g: UInt64 = 0; var sweep = -1 }
        var gs = IntMap<GDesc>(capacity: 1024)
        var ps = IntMap<PDesc>()
        var tasks = Set<UInt64>()
        var activeRegions: [UInt64: [Int]] = [:]
        gs[0] = GDesc(state: gRunning)
        var evGC = -1, evSTW = -1

        for i in events.indices {
            let ev = events[i]
            let at = Int(ev.offset)
            func fail(_ m: String) -> GoTraceError { GoTraceError(offset: at, "\(m) (time \(ev.ts))") }
            func checkRunning(_ p: PDesc, _ g: GDesc, allowG0: Bool) throws(GoTraceError) {
                if g.state != gRunning { throw fail("g \(ev.g) is not running while \(ev.type)") }
                if p.g != ev.g { throw fail("p \(ev.p) is not running g \(ev.g) while \(ev.type)") }
                if !allowG0 && ev.g == 0 { throw fail("g 0 did \(ev.type)") }
            }
            let gk = Int64(bitPattern: ev.g), pk = Int64(ev.p)
            switch ev.type {
            case .procStart:
                var p = ps[pk] ?? PDesc()
                if p.running { throw fail("p \(ev.p) is running before start") }
                p.running = true
                ps[pk] = p
            case .procStop:
                var p = ps[pk] ?? PDesc()
                if !p.running { throw fail("p \(ev.p) is not running before stop") }
                if p.g != 0 { throw fail("p \(ev.p) is running a goroutine \(p.g) during stop") }
                p.running = false
                ps[pk] = p
            case .gcStart:
                if evGC >= 0 { throw fail("previous GC is not ended before a new one") }
                evGC = i
                events[i].p = V1FakeP.gc
            case .gcDone:
                if evGC < 0 { throw fail("bogus GC end") }
                evGC = -1
            case .stwStart:
                if evSTW >= 0 { throw fail("previous STW is not ended before a new one") }
                evSTW = i
            case .stwDone:
                if evSTW < 0 { throw fail("bogus STW end") }
                evSTW = -1
            case .gcSweepStart:
                var p = ps[pk] ?? PDesc()
                if p.sweep >= 0 { throw fail("previous sweeping is not ended before a new one") }
                p.sweep = i
                ps[pk] = p
            case .gcMarkAssistStart:
                var g = gs[gk] ?? GDesc()
                if g.markAssist >= 0 { throw fail("previous mark assist is not ended before a new one") }
                g.markAssist = i
                gs[gk] = g
            case .gcMarkAssistDone:
                // An end without a start is allowed: the assist may have begun before the trace.
                var g = gs[gk] ?? GDesc()
                g.markAssist = -1
                gs[gk] = g
            case .gcSweepDone:
                var p = ps[pk] ?? PDesc()
                if p.sweep < 0 { throw fail("bogus sweeping end") }
                p.sweep = -1
                ps[pk] = p
            case .goWaiting, .goInSyscall:
                var g = gs[gk] ?? GDesc()
                if g.state != gRunnable { throw fail("g \(ev.g) is not runnable before \(ev.type)") }
                g.state = gWaiting
                g.ev = i
                gs[gk] = g
            case .goCreate:
                try checkRunning(ps[pk] ?? PDesc(), gs[gk] ?? GDesc(), allowG0: true)
                let nk = Int64(bitPattern: ev.a0)
                if gs[nk] != nil { throw fail("g \(ev.a0) already exists") }
                gs[nk] = GDesc(state: gRunnable, ev: i)
            case .goStart, .goStartLabel:
                var g = gs[gk] ?? GDesc()
                var p = ps[pk] ?? PDesc()
                if g.state != gRunnable { throw fail("g \(ev.g) is not runnable before start") }
                if p.g != 0 { throw fail("p \(ev.p) is already running g \(p.g) while start g \(ev.g)") }
                g.state = gRunning
                g.ev = -1
                p.g = ev.g
                gs[gk] = g
                ps[pk] = p
            case .goEnd, .goStop:
                var g = gs[gk] ?? GDesc()
                var p = ps[pk] ?? PDesc()
                try checkRunning(p, g, allowG0: false)
                g.state = gDead
                p.g = 0
                if ev.type == .goEnd { activeRegions[ev.g] = nil }
                gs[gk] = g
                ps[pk] = p
            case .goSched, .goPreempt:
                var g = gs[gk] ?? GDesc()
                var p = ps[pk] ?? PDesc()
                try checkRunning(p, g, allowG0: false)
                g.state = gRunnable
                p.g = 0
                g.ev = i
                gs[gk] = g
                ps[pk] = p
            case .goUnblock:
                let g = gs[gk] ?? GDesc()
                let p = ps[pk] ?? PDesc()
                if g.state != gRunning { throw fail("g \(ev.g) is not running while unpark") }
                if ev.p != V1FakeP.timer && p.g != ev.g { throw fail("p \(ev.p) is not running g \(ev.g) while unpark") }
                let k1 = Int64(bitPattern: ev.a0)
                var g1 = gs[k1] ?? GDesc()
                if g1.state != gWaiting { throw fail("g \(ev.a0) is not waiting before unpark") }
                if g1.ev >= 0 && events[g1.ev].type == .goBlockNet { events[i].p = V1FakeP.netpoll }
                g1.state = gRunnable
                g1.ev = i
                gs[k1] = g1
            case .goSysCall:
                var g = gs[gk] ?? GDesc()
                try checkRunning(ps[pk] ?? PDesc(), g, allowG0: false)
                g.ev = i
                gs[gk] = g
            case .goSysBlock:
                var g = gs[gk] ?? GDesc()
                var p = ps[pk] ?? PDesc()
                try checkRunning(p, g, allowG0: false)
                g.state = gWaiting
                p.g = 0
                gs[gk] = g
                ps[pk] = p
            case .goSysExit:
                var g = gs[gk] ?? GDesc()
                if g.state != gWaiting { throw fail("g \(ev.g) is not waiting during syscall exit") }
                g.state = gRunnable
                g.ev = i
                gs[gk] = g
            case .goSleep, .goBlock, .goBlockSend, .goBlockRecv, .goBlockSelect, .goBlockSync, .goBlockCond, .goBlockNet,
                 .goBlockGC:
                var g = gs[gk] ?? GDesc()
                var p = ps[pk] ?? PDesc()
                try checkRunning(p, g, allowG0: false)
                g.state = gWaiting
                g.ev = i
                p.g = 0
                gs[gk] = g
                ps[pk] = p
            case .userTaskCreate:
                if tasks.contains(ev.a0) { throw fail("task id conflicts (id:\(ev.a0))") }
                tasks.insert(ev.a0)
            case .userTaskEnd:
                tasks.remove(ev.a0)
            case .userRegion:
                switch ev.a1 {
                case 0:
                    activeRegions[ev.g, default: []].append(i)
                case 1:
                    // An end whose start is in the trace must match the innermost open region.
                    if let s = activeRegions[ev.g]?.last {
                        if events[s].a0 != ev.a0 || events[s].a2 != ev.a2 {
                            throw fail("misuse of region in goroutine \(ev.g): end of task \(ev.a0) type \(ev.a2) when the innermost open region is task \(events[s].a0) type \(events[s].a2)")
                        }
                        activeRegions[ev.g]!.removeLast()
                        if activeRegions[ev.g]!.isEmpty { activeRegions[ev.g] = nil }
                    }
                default:
                    throw fail("invalid user region mode \(ev.a1)")
                }
            default:
                break
            }
        }
    }
}
