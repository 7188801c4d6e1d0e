import ArgumentParser
import BinaryIO
import GoTrace

struct GoTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gotrace",
        abstract: "Summary of a Go execution trace: GC cycles, stop-the-world pauses, assists, mark workers, heap.")

    @Argument(help: "A Go execution trace (runtime/trace, go test -trace, /debug/pprof/trace); - reads standard input.")
    var input: String
    @Flag(help: "One JSON object per range (gc, stw, assist, sweep), then goroutine runs, user tasks, regions and logs, then clock facts.")
    var json = false
    @Flag(help: "Ranges, labels, syncs, user tasks, regions and logs as `go tool trace -d=parsed` prints them.")
    var parsed = false
    @Flag(help: "Only read and order every event, then print how many (reading speed).")
    var countOnly = false
    @OptionGroup var destination: OutputOption

    func run() throws {
        let dest = try OutputFile(destination.output)
        do {
            let progress = Progress.start(reading: [input], outputFile: destination.output)
            defer { progress?.stop() }
            var out = dest.buffer()
            defer { out.flush() }
            try write(to: &out)
        }
        try dest.commit()
    }

    private func write(to out: inout OutputBuffer) throws {
        let file: MappedFile
        do { file = try MappedFile(path: input) } catch { throw UserError(error.description) }
        if countOnly {
            var n = 0
            do {
                var r = try GoTraceReader(bytes: file.bytes)
                while try r.next() != nil { n += 1 }
                for w in r.warnings { printError("stackfold: warning: \(input): \(w)") }
            } catch { throw UserError("\(input): \(error)") }
            out.append("\(n)\n")
            return
        }
        let t: GoTrace
        do { t = try GoTrace(bytes: file.bytes, keepParsedLines: parsed) } catch { throw UserError("\(input): \(error)") }
        for w in t.warnings { printError("stackfold: warning: \(input): \(w)") }
        keepUntilExit(t)
        if parsed {
            for l in t.parsedLines { out.append(l); out.append(byte: 0x0a) }
            return
        }
        if json {
            for r in t.ranges {
                out.append("{\"kind\":\"\(r.kind.rawValue)\",\"reason\":\(jsonString(r.reason)),\"start\":\(r.start),\"end\":\(r.end),")
                out.append("\"raw_start\":\(r.rawStart),\"raw_end\":\(r.rawEnd),\"m\":\(r.m),\"p\":\(r.p),\"g\":\(r.g),\"scope\":\(r.scope)}\n")
            }
            for run in t.runs {
                out.append("{\"kind\":\"run\",\"label\":\(jsonString(run.label)),\"start\":\(run.start),\"end\":\(run.end),")
                out.append("\"m\":\(run.m),\"p\":\(run.p),\"g\":\(run.g),\"function\":\(jsonString(t.goroutines[run.g]?.startFunction ?? ""))}\n")
            }
            for task in t.tasks.values.sorted(by: { ($0.start ?? .min, $0.id) < ($1.start ?? .min, $1.id) }) {
                out.append("{\"kind\":\"task\",\"id\":\(task.id),\"parent\":\(task.parent == .max ? "null" : String(task.parent)),")
                out.append("\"type\":\(jsonString(task.type)),\"start\":\(task.start.map(String.init) ?? "null"),\"end\":\(task.end.map(String.init) ?? "null"),\"g\":\(task.g)}\n")
            }
            for r in t.regions {
                out.append("{\"kind\":\"region\",\"type\":\(jsonString(r.type)),\"task\":\(r.task),\"start\":\(r.start),\"end\":\(r.end),")
                out.append("\"g\":\(r.g),\"depth\":\(r.depth)}\n")
            }
            for l in t.logs {
                out.append("{\"kind\":\"log\",\"time\":\(l.time),\"g\":\(l.g),\"task\":\(l.task),\"category\":\(jsonString(l.category)),\"message\":\(jsonString(l.message))}\n")
            }
            if let c = t.v1Clock {
                out.append("{\"kind\":\"clock\",\"v1_min_ticks\":\(c.minTicks),\"ticks_per_second\":\(c.ticksPerSecond)}\n")
            }
            for s in t.snapshots {
                out.append("{\"kind\":\"clock\",\"time\":\(s.time),\"mono\":\(s.mono),\"wall_sec\":\(s.wallSeconds),\"wall_nsec\":\(s.wallNanoseconds)}\n")
            }
            return
        }
        out.append(summary(t))
    }
}

func ms(_ ns: Int64) -> String { cFormat("%.3f ms", Double(ns) / 1e6) }

/// The readable report: what GC cost this run.
func summary(_ t: GoTrace) -> String {
    var o = ""
    let span = t.lastTime - t.firstTime
    o += "trace: \(formatName(t.version)), \(t.generations) generation(s), \(t.events) events, \(ms(span))\n"
    if t.ticksPerSecond > 0 { o += "clock: \(cFormat("%.0f", t.ticksPerSecond)) ticks/s" + (t.ticksPerSecond == 15_625_000 ? " (nanotime/64: CLOCK_MONOTONIC on Linux)" : "") + "\n" }
    if let c = t.v1Clock {
        o += "  Go 1.21 clock: cputicks (RDTSC/64 on amd64, nanotime/16 on arm64), not CLOCK_MONOTONIC; frequency measured when tracing stopped; time 0 = tick \(c.minTicks)\n"
    }
    if let s = t.snapshots.first { o += "clock snapshot: trace \(s.time) ns = monotonic \(s.mono) ns = wall \(s.wallSeconds).\(cFormat("%09llu", s.wallNanoseconds)) s\n" }
    let gcs = t.ranges.filter { $0.kind == .gc }
    o += "GC cycles: \(gcs.count), concurrent mark total \(ms(gcs.reduce(0) { $0 + $1.end - $1.start }))\n"
    let stws = t.ranges.filter { $0.kind == .stw }
    let total = stws.reduce(0) { $0 + $1.end - $1.start }
    o += "stop-the-world: \(stws.count) pauses, total \(ms(total))" + (span > 0 ? cFormat(" (%.2f%% of the trace)", 100 * Double(total) / Double(span)) : "") + "\n"
    var byReason: [String: [Int64]] = [:]
    for r in stws { byReason[r.reason, default: []].append(r.end - r.start) }
    for (reason, ds) in byReason.sorted(by: { $0.key < $1.key }) {
        let d = ds.sorted()
        func pct(_ p: Double) -> Int64 { d[min(d.count - 1, Int(Double(d.count - 1) * p))] }
        o += "  \(reason): \(d.count), total \(ms(d.reduce(0, +))), p50 \(ms(pct(0.5))), p99 \(ms(pct(0.99))), max \(ms(d.last!))\n"
    }
    if let longest = stws.max(by: { $0.end - $0.start < $1.end - $1.start }) {
        o += "  longest: \(ms(longest.end - longest.start)) (\(longest.reason)) at \(longest.start) ns, goroutine \(longest.scope)\n"
    }
    let assists = t.ranges.filter { $0.kind == .assist }
    var byG: [Int64: Int64] = [:]
    for a in assists { byG[a.scope, default: 0] += a.end - a.start }
    o += "mark assists: \(assists.count), total \(ms(assists.reduce(0) { $0 + $1.end - $1.start })) in \(byG.count) goroutine(s)\n"
    for (g, d) in byG.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(5) {
        o += "  goroutine \(g) \(t.goroutines[g]?.startFunction ?? ""): \(ms(d))\n"
    }
    // Sums over the hundreds of thousands of runs and sweeps by index: a filtered copy moved (and
    // retained) every element.
    var workerTotal: Int64 = 0
    var byLabel: [String: Int64] = [:]
    for i in t.runs.indices where !t.runs[i].labelText.isEmpty && t.runs[i].label.hasPrefix("GC ") {
        workerTotal = workerTotal + t.runs[i].end - t.runs[i].start  // as reduce added: same overflow
        byLabel[t.runs[i].label, default: 0] += t.runs[i].end - t.runs[i].start
    }
    o += "background mark workers: \(ms(workerTotal))"
    o += byLabel.sorted(by: { $0.key < $1.key }).map { ", \($0.key) \(ms($0.value))" }.joined() + "\n"
    var sweeps = 0
    var sweepTotal: Int64 = 0
    for i in t.ranges.indices where t.ranges[i].kind == .sweep {
        sweeps += 1
        sweepTotal = sweepTotal + t.ranges[i].end - t.ranges[i].start
    }
    o += "sweeping: \(sweeps) ranges, total \(ms(sweepTotal))\n"
    if !t.tasks.isEmpty || !t.regions.isEmpty {
        var byType: [String: (Int, Int64)] = [:]
        for r in t.regions { byType[r.type, default: (0, 0)].0 += 1; byType[r.type]!.1 += r.end - r.start }
        o += "user annotations: \(t.tasks.count) tasks, \(t.regions.count) regions, \(t.logs.count) logs\n"
        for (type, (n, d)) in byType.sorted(by: { ($0.value.1, $1.key) > ($1.value.1, $0.key) }).prefix(5) {
            o += "  region \(type): \(n), total \(ms(d))\n"
        }
    }
    if let peak = t.heapPeak {
        o += "heap: peak \(cFormat("%.1f", Double(peak.live) / 1048576)) MiB live at \(peak.time) ns"
        if let goal = t.heapGoals.map(\.live).max() { o += ", highest goal \(cFormat("%.1f", Double(goal) / 1048576)) MiB" }
        o += "\n"
    }
    return o
}
