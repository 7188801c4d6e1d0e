import BinaryIO

/// A time range the Go parser reports (`RangeBegin`/`RangeActive` … `RangeEnd`).
public struct TraceRange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case gc, stw, assist, sweep
    }
    // No String stored (see `TraceText`), the small fields last: 72 bytes a range, and traces have
    // hundreds of thousands of them.
    /// Nanoseconds as Go's parser reports them; `start` is the range's begin, or the first time it was
    /// seen active when it began before the trace.
    public var start: Int64
    public var end: Int64
    /// Event timestamps in ns before Go's parser made them strictly increasing (for clock alignment).
    public var rawStart: Int64
    public var rawEnd: Int64
    /// Context of the begin event.
    public var m: Int64
    public var p: Int64
    public var g: Int64
    /// Goroutine (stw, assist) or P (sweep) the range belongs to; -1 for the global GC range.
    public var scope: Int64
    public var kind: Kind
    /// True when the range was already running when the trace (or its first generation) started.
    public var activeAtStart: Bool
    public var reasonText: TraceText
    /// STW reason (`GC mark termination`); empty for other kinds.
    public var reason: String {
        get { reasonText.string }
        set { reasonText = TraceText(newValue) }
    }
    /// The parser's range name, e.g. `stop-the-world (GC mark termination)`. Computed: hundreds of
    /// thousands of ranges are kept, and a stored String made each one larger and slower to move.
    public var name: String { Self.name(kind, reason: reason) }

    /// The parser's name for a range of `kind` (`reason`: the STW reason).
    static func name(_ kind: Kind, reason: String) -> String {
        switch kind {
        case .gc: "GC concurrent mark phase"
        case .stw: "stop-the-world (\(reason))"
        case .assist: "GC mark assist"
        case .sweep: "GC incremental sweep"
        }
    }
}

/// A goroutine running on an OS thread (M), from GoStart (or its first status) to when it stops.
public struct GoroutineRun: Sendable, Equatable {
    public var m: Int64
    public var p: Int64
    public var g: Int64
    public var start: Int64
    public var end: Int64
    public var rawStart: Int64
    public var rawEnd: Int64
    public var labelText: TraceText
    /// `GC (dedicated)`, `GC (fractional)`, `GC (idle)` for background mark workers.
    public var label: String {
        get { labelText.string }
        set { labelText = TraceText(newValue) }
    }
}

public struct GoroutineInfo: Sendable, Equatable {
    public var id: Int64
    /// The function the goroutine started in (first frame of its creation's new stack), if known.
    public var startFunction: String
    public var createdAt: Int64?
    /// Stack of the GoCreate that made it, innermost first.
    public var creationStack: [TraceFrame]
}

/// A `runtime/trace` task (`trace.NewTask`). `parent` is `UInt64.max` (Go's NoTask) for none; times are
/// nil when the begin or end fell outside the trace.
public struct UserTask: Sendable, Equatable {
    public var id: UInt64
    public var parent: UInt64
    public var type: String
    public var start: Int64?
    public var end: Int64?
    /// Goroutine that began it (-1 when the begin is not in the trace).
    public var g: Int64
}

/// A `runtime/trace` region on one goroutine; `depth` 0 is outermost.
public struct UserRegion: Sendable, Equatable {
    public var g: Int64
    public var task: UInt64
    public var type: String
    public var start: Int64
    public var end: Int64
    public var rawStart: Int64
    public var rawEnd: Int64
    public var depth: Int
}

/// A `trace.Log` message.
public struct UserLog: Sendable, Equatable {
    public var time: Int64
    public var g: Int64
    public var task: UInt64
    public var category: String
    public var message: String
}

public struct HeapSample: Sendable, Equatable {
    public var time: Int64
    public var live: UInt64
}

/// What stackfold reads from a trace. Built by streaming every event once.
public struct GoTrace: Sendable {
    public var version: TraceVersion
    public var ranges: [TraceRange] = []
    public var runs: [GoroutineRun] = []
    public var goroutines: [Int64: GoroutineInfo] = [:]
    /// Every live-heap sample, when asked for (`keepHeapSamples`): one per 10–19 bytes of trace.
    public var heap: [HeapSample] = []
    /// The first sample with the most live heap (kept whether or not `heap` is).
    public var heapPeak: HeapSample?
    public var tasks: [UInt64: UserTask] = [:]
    /// Regions begun in the trace, by start time; one still open at the end lasts until it.
    public var regions: [UserRegion] = []
    public var logs: [UserLog] = []
    public var heapGoals: [HeapSample] = []
    public var snapshots: [ClockSnapshot] = []
    public var ticksPerSecond: Double = 0
    /// Go 1.21 traces: the first event's ticks and the measured frequency (times are relative to it).
    public var v1Clock: V1Clock?
    public var generations = 0
    public var events = 0
    public var firstTime: Int64 = 0
    public var lastTime: Int64 = 0
    public var warnings: [String] = []
    /// Lines as `go tool trace -d=parsed` prints ranges, labels and syncs (for comparison), when asked.
    public var parsedLines: [String] = []

    /// Reads a whole trace. `keepParsedLines` records the Go parser's text for ranges, labels and syncs;
    /// `keepHeapSamples` fills `heap` (otherwise only `heapPeak` is kept: the samples took 10 MB for a
    /// 12 MB trace, memory that on a virtual machine costs more to touch than the work done in it).
    /// The steps are `TraceAnalysis`'s (AnalysisSteps.swift).
    public init(bytes: UnsafeRawBufferPointer, keepParsedLines: Bool = false, keepHeapSamples: Bool = false)
        throws(GoTraceError)
    {
        var r = try GoTraceReader(bytes: bytes)
        var a = TraceAnalysis(version: r.version, byteCount: bytes.count, keepParsedLines: keepParsedLines,
                              keepHeapSamples: keepHeapSamples)
        let stopError = try a.readEvents(&r)
        a.finish(r, stopError: stopError)
        self = a.t
    }

    /// An empty trace of `version`, for `TraceAnalysis` to fill.
    init(version: TraceVersion) { self.version = version }
}

/// A range or goroutine run while it is open: where it is in the list being built.
struct OpenSpan {
    var slot: Int
    /// Entries stay in their map once made (a removal shifted its neighbours back): this tells whether
    /// one is open.
    var isOpen: Bool
}

extension Array {
    /// Whether `key` strictly increases along the array.
    func isStrictlyIncreasing(by key: (Element) -> Int64) -> Bool {
        withUnsafeBufferPointer { b in
            var i = 1
            while i < b.count {
                if key(b[i &- 1]) >= key(b[i]) { return false }
                i &+= 1
            }
            return true
        }
    }
}

/// Sorted by an integer key, ties in their original order. Elements holding Strings are moved once
/// (a sort moves each of them log n times, with a retain and release per move).
func stableSorted<T>(_ a: [T], key: (T) -> (Int64, Int64, Int64)) -> [T] {
    let keys = a.map(key)
    let order = a.indices.sorted { i, j in
        let (x, y) = (keys[i], keys[j])
        return x != y ? x < y : i < j
    }
    return order.map { a[$0] }
}

/// Go's `%q`: a double-quoted string with Go escapes (`strconv.Quote`).
func goQuote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            let v = u.value
            if v < 0x20 || v == 0x7f { out += cFormat("\\x%02x", v) }
            else if (0x80..<0xa0).contains(v) { out += cFormat("\\u%04x", v) }
            else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
