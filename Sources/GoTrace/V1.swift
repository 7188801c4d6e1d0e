import BinaryIO

// Go 1.21 (v1) execution traces, read as Go 1.27's `internal/trace/internal/tracev1` does (parser.go,
// order.go): every batch located first, then the per-P batches merged into one order that respects
// goroutine sequence numbers, times made relative to the first event, then the state checks. The
// conversion to Go 1.22+ events (`tracev1.go`) is in V1Convert.swift.

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
                throw GoTraceError(
                    offset: t.offset,
                    "truncated Go 1.21 trace: the footer with the clock frequency (written when tracing stops) is missing; reading stopped here: \(t.message)"
                )
            }
            throw GoTraceError(
                offset: bytes.count,
                "Go 1.21 trace without its footer (no frequency event): the trace was cut short or tracing never stopped"
            )
        }
        var events: [V1Event]
        do { events = try p.parseEventBatches() } catch {
            if let t = p.truncation {
                throw GoTraceError(offset: error.offset, "\(error.message) (the trace is cut short: \(t))")
            }
            throw error
        }
        guard p.ticksPerSec > 0 else {
            if let t = p.truncation {
                throw GoTraceError(
                    offset: t.offset,
                    "truncated Go 1.21 trace: no frequency event (it is in the footer, which is missing): \(t.message)")
            }
            throw GoTraceError(offset: bytes.count, "no frequency event: a Go 1.21 trace ends with one")
        }
        if let t = p.truncation {
            warnings.append(
                "trace is truncated or corrupt at offset \(t.offset) (\(t.message)); the events before it are read")
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
    /// Go does), GC starts moved to the GC fake P, network unblocks to the netpoll P (V1PostProcess.swift).
    static func postProcess(_ events: inout [V1Event]) throws(GoTraceError) {
        var state = V1PostProcess()
        for i in events.indices { try state.check(i, &events) }
    }
}
