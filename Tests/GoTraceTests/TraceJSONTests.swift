import Foundation
@testable import GoTrace
import Testing

/// `gotrace --json`'s lines (`GoTrace.forEachJSONLine`), encoded as the command encodes them, read back
/// with JSONSerialization: one line per value, in order, each field the trace's own.
@Suite struct TraceJSONTests {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static func lines(_ t: GoTrace) throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        let e = encoder()
        try t.forEachJSONLine { line in
            let data = try e.encode(line)
            out.append(try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
        }
        return out
    }

    static func int(_ v: Any?) -> Int64? { (v as? NSNumber)?.int64Value }

    @Test(arguments: ["go1.21-tasks", "go1.25-tasks", "go1.27-fp-mono"])
    func linesAreTheTracesValues(_ name: String) throws {
        let t = try AgainstGoTests.read(name)
        let l = try Self.lines(t)
        let tasks = t.tasks.values.sorted { ($0.start ?? .min, $0.id) < ($1.start ?? .min, $1.id) }
        let clocks = (t.v1Clock == nil ? 0 : 1) + t.snapshots.count
        #expect(l.count == t.ranges.count + t.runs.count + tasks.count + t.regions.count + t.logs.count + clocks)
        #expect(!t.ranges.isEmpty && !t.runs.isEmpty)
        var i = 0
        for r in t.ranges {
            let o = l[i]; i += 1
            #expect(o["kind"] as? String == r.kind.rawValue && o["reason"] as? String == r.reason)
            #expect(
                [o["start"], o["end"], o["raw_start"], o["raw_end"], o["m"], o["p"], o["g"], o["scope"]].map(Self.int)
                    == [r.start, r.end, r.rawStart, r.rawEnd, r.m, r.p, r.g, r.scope])
        }
        for r in t.runs {
            let o = l[i]; i += 1
            #expect(o["kind"] as? String == "run" && o["label"] as? String == r.label)
            #expect(o["function"] as? String == (t.goroutines[r.g]?.startFunction ?? ""))
            #expect([o["start"], o["end"], o["m"], o["p"], o["g"]].map(Self.int) == [r.start, r.end, r.m, r.p, r.g])
        }
        for task in tasks {
            let o = l[i]; i += 1
            #expect(o["kind"] as? String == "task" && o["type"] as? String == task.type && Self.int(o["g"]) == task.g)
            #expect((o["id"] as? NSNumber)?.uint64Value == task.id)
            // Absent values are null, not left out.
            #expect(o.keys.contains("parent") && o.keys.contains("start") && o.keys.contains("end"))
            #expect(
                task.parent == .max ? o["parent"] is NSNull : (o["parent"] as? NSNumber)?.uint64Value == task.parent)
            #expect(task.start == nil ? o["start"] is NSNull : Self.int(o["start"]) == task.start)
            #expect(task.end == nil ? o["end"] is NSNull : Self.int(o["end"]) == task.end)
        }
        for r in t.regions {
            let o = l[i]; i += 1
            #expect(o["kind"] as? String == "region" && o["type"] as? String == r.type)
            #expect([o["start"], o["end"], o["g"], o["depth"]].map(Self.int) == [r.start, r.end, r.g, Int64(r.depth)])
            #expect((o["task"] as? NSNumber)?.uint64Value == r.task)
        }
        for g in t.logs {
            let o = l[i]; i += 1
            #expect(
                o["kind"] as? String == "log" && o["category"] as? String == g.category
                    && o["message"] as? String == g.message)
            #expect(
                [o["time"], o["g"]].map(Self.int) == [g.time, g.g] && (o["task"] as? NSNumber)?.uint64Value == g.task)
        }
        if let c = t.v1Clock {
            let o = l[i]; i += 1
            #expect(
                o["kind"] as? String == "clock" && Self.int(o["v1_min_ticks"]) == c.minTicks
                    && Self.int(o["ticks_per_second"]) == c.ticksPerSecond)
        }
        for s in t.snapshots {
            let o = l[i]; i += 1
            #expect(o["kind"] as? String == "clock" && Self.int(o["time"]) == s.time)
            #expect(
                [o["mono"], o["wall_sec"], o["wall_nsec"]].map { ($0 as? NSNumber)?.uint64Value } == [
                    s.mono, s.wallSeconds, s.wallNanoseconds
                ])
        }
    }

    /// The trace's strings are whoever wrote the trace's: quotes, backslashes and control characters stay
    /// inside their JSON string, and the line reads back to the same text.
    @Test func hostileStringsStayStrings() throws {
        let nasty = "a\"b\\c\nd\u{1b}[31m\u{0}/e\u{7f}\u{2028}é"
        let log = UserLog(time: 1, g: 2, task: 3, category: nasty, message: nasty + "}\n{")
        let data = try Self.encoder().encode(TraceJSONLine.log(log))
        #expect(!data.contains(0x0a) && !data.contains(0x1b) && !data.contains(0))
        let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(o["category"] as? String == nasty && o["message"] as? String == nasty + "}\n{")
    }
}
