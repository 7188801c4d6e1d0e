// `gotrace --json`: one object per line for each range, goroutine run, user task, region and log, then the
// clock facts. Encodable values; the command encodes them (JSONEncoder, sorted keys).
import BinaryIO

/// One line of `gotrace --json`. Absent times (a task begun or ended outside the trace) and a task's
/// missing parent are `null`.
public enum TraceJSONLine: Encodable, Sendable {
    case range(TraceRange)
    /// A goroutine run and the function its goroutine started in ("" when unknown).
    case run(GoroutineRun, function: String)
    case task(UserTask)
    case region(UserRegion)
    case log(UserLog)
    case v1Clock(V1Clock)
    case snapshot(ClockSnapshot)

    enum Key: String, CodingKey {
        case kind, reason, start, end, raw_start, raw_end, m, p, g, scope, label, function, id, parent, type
        case task, depth, time, category, message, v1_min_ticks, ticks_per_second, mono, wall_sec, wall_nsec
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .range(let r):
            try c.encode(r.kind.rawValue, forKey: .kind)
            try c.encode(r.reason, forKey: .reason)
            try c.encode(r.start, forKey: .start)
            try c.encode(r.end, forKey: .end)
            try c.encode(r.rawStart, forKey: .raw_start)
            try c.encode(r.rawEnd, forKey: .raw_end)
            try c.encode(r.m, forKey: .m)
            try c.encode(r.p, forKey: .p)
            try c.encode(r.g, forKey: .g)
            try c.encode(r.scope, forKey: .scope)
        case .run(let r, let function):
            try c.encode("run", forKey: .kind)
            try c.encode(r.label, forKey: .label)
            try c.encode(r.start, forKey: .start)
            try c.encode(r.end, forKey: .end)
            try c.encode(r.m, forKey: .m)
            try c.encode(r.p, forKey: .p)
            try c.encode(r.g, forKey: .g)
            try c.encode(function, forKey: .function)
        case .task(let t):
            try c.encode("task", forKey: .kind)
            try c.encode(t.id, forKey: .id)
            try c.encode(t.parent == .max ? nil : t.parent, forKey: .parent)
            try c.encode(t.type, forKey: .type)
            try c.encode(t.start, forKey: .start)
            try c.encode(t.end, forKey: .end)
            try c.encode(t.g, forKey: .g)
        case .region(let r):
            try c.encode("region", forKey: .kind)
            try c.encode(r.type, forKey: .type)
            try c.encode(r.task, forKey: .task)
            try c.encode(r.start, forKey: .start)
            try c.encode(r.end, forKey: .end)
            try c.encode(r.g, forKey: .g)
            try c.encode(r.depth, forKey: .depth)
        case .log(let l):
            try c.encode("log", forKey: .kind)
            try c.encode(l.time, forKey: .time)
            try c.encode(l.g, forKey: .g)
            try c.encode(l.task, forKey: .task)
            try c.encode(l.category, forKey: .category)
            try c.encode(l.message, forKey: .message)
        case .v1Clock(let k):
            try c.encode("clock", forKey: .kind)
            try c.encode(k.minTicks, forKey: .v1_min_ticks)
            try c.encode(k.ticksPerSecond, forKey: .ticks_per_second)
        case .snapshot(let s):
            try c.encode("clock", forKey: .kind)
            try c.encode(s.time, forKey: .time)
            try c.encode(s.mono, forKey: .mono)
            try c.encode(s.wallSeconds, forKey: .wall_sec)
            try c.encode(s.wallNanoseconds, forKey: .wall_nsec)
        }
    }
}

extension GoTrace {
    /// The lines of `gotrace --json`, in order: ranges, runs, tasks (by start, then id), regions, logs,
    /// then clock facts. Passed one at a time: a trace has hundreds of thousands of ranges and runs.
    public func forEachJSONLine(_ body: (TraceJSONLine) throws -> Void) rethrows {
        for r in ranges { try body(.range(r)) }
        for r in runs { try body(.run(r, function: goroutines[r.g]?.startFunction ?? "")) }
        for t in tasks.values.sorted(by: { ($0.start ?? .min, $0.id) < ($1.start ?? .min, $1.id) }) {
            try body(.task(t))
        }
        for r in regions { try body(.region(r)) }
        for l in logs { try body(.log(l)) }
        if let c = v1Clock { try body(.v1Clock(c)) }
        for s in snapshots { try body(.snapshot(s)) }
    }
}
