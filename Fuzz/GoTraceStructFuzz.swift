// libFuzzer entry point that builds a Go execution trace from the input, read as choices (Choices.swift):
// the Go 1.21 format (batches per P, length-prefixed events, strings, stacks, a frequency footer) or the
// Go 1.23 one (generations of batches per M, string and stack tables, a frequency batch), with goroutine,
// P and M ids, sequence numbers, times, frequencies, stack depths and string lengths and bytes at
// boundary values (issue 22). Bit flips of real traces (GoTraceFuzz.swift) rarely keep the varint framing
// whole; these files are framed right and wrong only where chosen. Every one must be read (with warnings)
// or rejected with an error, and summed up (`gotrace`'s summary). Built and run by scripts/fuzz.sh tracestruct.
import BinaryIO
import GoTrace

func uvarint(_ v: UInt64, into out: inout [UInt8]) {
    var v = v
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

extension Choices {
    /// An id: small (mostly colliding), or at the edges.
    mutating func id() -> UInt64 { u8() & 1 == 0 ? UInt64(u8() & 15) : edgy() }
    /// A time delta: small, or at the edges.
    mutating func delta() -> UInt64 { u8() & 3 != 0 ? UInt64(u8()) : edgy() }
    /// An event argument: a time delta first, then ids.
    mutating func args(_ n: Int) -> [UInt64] { (0..<n).map { $0 == 0 ? delta() : id() } }
}

/// Go 1.21: `type | (args - 1) << 6`, four or more arguments length-prefixed (Go's traceEvent).
func v1Event(_ type: UInt8, _ args: [UInt64], into out: inout [UInt8]) {
    var payload: [UInt8] = []
    for a in args { uvarint(a, into: &payload) }
    if args.count >= 4 || args.isEmpty {
        out.append(type | 3 << 6)
        uvarint(UInt64(payload.count), into: &out)
    } else {
        out.append(type | UInt8(args.count - 1) << 6)
    }
    out += payload
}

/// Wire arguments (time delta and stack included) of Go 1.21 event types 0..<50 (Go's EventDescriptions).
let v1ArgCounts: [Int] = [
    1, 2, 1, 3, 3, 2, 1, 3, 1, 2, 1, 2, 3, 4, 3, 1, 2, 2, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2, 2, 4, 1, 2, 2, 2, 2, 1,
    1, 1, 2, 3, 3, 4, 2, 2, 1, 5, 3, 5, 4, 5,
]

func v1Trace(_ c: inout Choices) -> [UInt8] {
    var out = Array("go 1.21 trace\0\0\0".utf8)
    for _ in 0..<Int(c.u8()) + 1 {
        switch c.u8() % 8 {
        case 0: v1Event(1, [c.id(), c.edgy()], into: &out)  // Batch: P, ticks
        case 1:  // String: id, length, bytes (long, control characters)
            let s = c.name()
            out.append(37)
            uvarint(c.id(), into: &out)
            uvarint(c.u8() & 7 == 0 ? c.edgy() : UInt64(s.count), into: &out)
            out += s
        case 2:  // Stack: id, frame count (or any), frames of pc, function, file, line
            let n = Int(c.u8() & 31)
            var args = [c.id(), c.u8() & 7 == 0 ? c.edgy() : UInt64(n)]
            for _ in 0..<n { args += [c.edgy(), c.id(), c.id(), c.edgy()] }
            v1Event(3, args, into: &out)
        default:  // an event of a known type with its argument count (or one off), or any
            let t = c.u8() % 50
            var n = v1ArgCounts[Int(t)]
            if c.u8() & 15 == 0 { n = Int(c.u8() & 7) }
            v1Event(t, c.args(n), into: &out)
        }
    }
    v1Event(2, [c.u8() & 3 == 0 ? c.edgy() : 1_000_000_000], into: &out)  // Frequency
    return out
}

/// Arguments of Go 1.23 timed events, time delta included (Go's tracev2 specs; Wire.swift's table).
let v2ArgCounts: [UInt8: Int] = [
    9: 3, 10: 3, 11: 1, 12: 4, 13: 3, 14: 4, 15: 2, 16: 3, 17: 1, 18: 1, 19: 3, 20: 3, 21: 4, 22: 3, 23: 1, 24: 1,
    25: 4, 26: 3, 27: 1, 28: 2, 29: 3, 30: 2, 31: 2, 32: 2, 33: 3, 34: 2, 35: 2, 36: 1, 37: 2, 38: 2, 39: 2,
    40: 5, 41: 3, 42: 4, 43: 4, 44: 5, 45: 3, 46: 3, 47: 4, 48: 5,
]

func v2Batch(_ gen: UInt64, _ m: UInt64, _ ts: UInt64, _ payload: [UInt8], into out: inout [UInt8]) {
    out.append(1)
    for v in [gen, m, ts, UInt64(payload.count)] { uvarint(v, into: &out) }
    out += payload
}

func v2Trace(_ c: inout Choices) -> [UInt8] {
    var out = Array("go 1.23 trace\0\0\0".utf8)
    var gen: UInt64 = 1
    for _ in 0..<Int(c.u8() & 31) + 1 {
        var p: [UInt8] = []
        switch c.u8() % 6 {
        case 0:  // strings: id, length (or any), bytes
            p.append(4)
            for _ in 0..<Int(c.u8() & 7) {
                let s = c.name()
                p.append(5)
                uvarint(c.id(), into: &p)
                uvarint(c.u8() & 7 == 0 ? c.edgy() : UInt64(s.count), into: &p)
                p += s
            }
        case 1:  // stacks: id, frame count (or any), frames of pc, function, file, line
            p.append(2)
            for _ in 0..<Int(c.u8() & 7) {
                let n = Int(c.u8() & 31)
                p.append(3)
                for v in [c.id(), c.u8() & 7 == 0 ? c.edgy() : UInt64(n)] { uvarint(v, into: &p) }
                for _ in 0..<4 * n { uvarint(c.edgy(), into: &p) }
            }
        case 2:  // frequency, at the edges
            p.append(8)
            uvarint(c.u8() & 1 == 0 ? c.edgy() : 1_000_000_000, into: &p)
        case 3: gen = c.u8() & 3 == 0 ? c.edgy() : gen &+ 1  // the next batches in a new generation
        default:  // timed events of known types (or any type)
            for _ in 0..<Int(c.u8() & 31) {
                let t = c.u8() & 15 == 0 ? c.u8() : 9 + c.u8() % 40
                p.append(t)
                for a in c.args(v2ArgCounts[t] ?? Int(c.u8() & 7)) { uvarint(a, into: &p) }
            }
        }
        v2Batch(gen, c.id(), c.edgy(), p, into: &out)
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var c = Choices(bytes: UnsafeBufferPointer(start: data, count: size))
    let bytes = c.u8() & 1 == 0 ? v1Trace(&c) : v2Trace(&c)
    bytes.withUnsafeBytes { raw in
        if let t = try? GoTrace(bytes: raw, keepParsedLines: true) {
            _ = t.ranges.count + t.runs.count + t.regions.count + t.parsedLines.count
            _ = t.summaryText()  // sums of spans whose times are at the edges
        }
    }
    return 0
}
