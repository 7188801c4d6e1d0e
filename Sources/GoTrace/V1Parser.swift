// Reading a v1 trace's batches and events off the wire (Go's tracev1 parser.go).
import BinaryIO

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

    mutating func readFull(_ n: UInt64, _ type: V1EventType, _ what: StaticString) throws(GoTraceError)
        -> UnsafeRawBufferPointer
    {
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
                guard strings[id, default: ""].isEmpty else {
                    throw GoTraceError(offset: start, "string has duplicate id \(id)")
                }
                guard len != 0 else { throw GoTraceError(offset: start, "string has invalid length 0") }
                guard len <= 1_000_000 else { throw GoTraceError(offset: start, "string has too large length \(len)") }
                strings[id] = String(decoding: try readFull(len, typ, "bytes"), as: UTF8.self)
            }
            ev.type = .none
            return true
        case .batch:
            guard narg == 2 else {
                throw GoTraceError(offset: start, "Batch has wrong number of arguments: got \(narg), want 2")
            }
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
                    throw GoTraceError(
                        offset: start, "\(typ): length-prefixed argument too big: \(len) bytes, limit is 2048")
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
                    guard skip || n <= 1_000_000 else {
                        throw GoTraceError(offset: start, "string is too large (len=\(n))")
                    }
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
                throw GoTraceError(
                    offset: start, "read event \(raw.type) with current P of \(curP), but P has no batches yet")
            }
            if raw.type == .cpuSample {
                let want = wireArgs[Int(raw.type.rawValue)]
                guard raw.argc == want else {
                    throw GoTraceError(
                        offset: start, "CPU sample has wrong number of arguments: want \(want), got \(raw.argc)")
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
    mutating func loadBatch(at offset: Int, into events: inout [V1Event], _ raw: inout V1RawEvent) throws(GoTraceError)
    {
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
            try parseStack(raw, at: at)
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
            guard ticksPerSec > 0 else {
                throw GoTraceError(offset: at, "frequency \(raw[0]): time stamps out of order")
            }
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
            let s = String(
                decoding: UnsafeRawBufferPointer(rebasing: data[raw.stringStart..<(raw.stringStart + raw.stringCount)]),
                as: UTF8.self)
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

    /// A Stack event: its frames' PCs by stack id, and each new PC's function, file and line ids.
    mutating func parseStack(_ raw: V1RawEvent, at: Int) throws(GoTraceError) {
        guard raw.argc >= 2 else {
            throw GoTraceError(offset: at, "Stack has wrong number of arguments: want at least 2, got \(raw.argc)")
        }
        let size = raw[1]
        guard size <= 1000 else { throw GoTraceError(offset: at, "Stack has bad number of frames: \(size)") }
        guard raw.argc == 2 + 4 * Int(size) else {
            throw GoTraceError(
                offset: at, "Stack has wrong number of arguments: want \(2 + 4 * size), got \(raw.argc)")
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
    }
}
