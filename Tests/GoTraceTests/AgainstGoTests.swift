import CZstd
import Foundation
import GoTrace
import Testing

/// Every range (GC, stop-the-world, mark assist, sweep), goroutine label and generation boundary, with
/// its time, context and scope, against `go tool trace -d=parsed` of the Go 1.27 toolchain (which
/// reads every format). The reference lines are committed beside the traces (Fixtures/README.md).
@Suite struct AgainstGoTests {
    static let dir = Paths.fixtures.appendingPathComponent("gotrace")

    static func reference(_ name: String) throws -> [String] {
        let z = try Data(contentsOf: dir.appendingPathComponent("\(name).parsed.txt.zst"))
        let text: String = z.withUnsafeBytes { src in
            let size = ZSTD_getFrameContentSize(src.baseAddress, src.count)
            // Unknown or error sizes are near UInt64.max: fail the test, do not trap.
            guard size < 1 << 32 else { return "" }
            var out = [UInt8](repeating: 0, count: Int(size))
            let n = out.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, $0.count, src.baseAddress, src.count) }
            return String(decoding: out.prefix(Int(n)), as: UTF8.self)
        }
        // Whole lines: RangeEnd attributes and Go ≥ 1.25's clock snapshot on Syncs included.
        return text.split(separator: "\n").map(String.init)
    }

    static func read(_ name: String) throws -> GoTrace {
        let data = try Data(contentsOf: dir.appendingPathComponent("\(name).trace"))
        return try data.withUnsafeBytes { try GoTrace(bytes: $0, keepParsedLines: true) }
    }

    @Test(
        arguments: ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"].flatMap {
            ["go\($0)-fp-mono", "go\($0)-fp-default-clock"]
        }
            + ["go1.21-alloc-mono", "go1.21-alloc-default-clock", "go1.27-alloc-mono", "go1.27-alloc-default-clock"])
    func rangesLabelsAndSyncsMatchGoToolTrace(_ name: String) throws {
        let expected = try Self.reference(name)
        let t = try Self.read(name)
        #expect(expected.count > 1000)
        #expect(t.parsedLines.count == expected.count)
        var mismatches = 0
        for (a, b) in zip(t.parsedLines, expected) where a != b {
            if mismatches < 5 { Issue.record("ours:   \(a)\ntheirs: \(b)") }
            mismatches += 1
        }
        #expect(mismatches == 0)
        #expect(t.warnings.isEmpty)
        // Every kind is present, paired, and well-ordered.
        for k in [TraceRange.Kind.gc, .stw, .assist, .sweep] { #expect(t.ranges.contains { $0.kind == k }, "\(k)") }
        #expect(t.ranges.allSatisfy { $0.start <= $0.end && $0.rawStart <= $0.rawEnd })
        #expect(t.runs.contains { $0.label.hasPrefix("GC (") })
        if name.hasPrefix("go1.21-") {
            // Go 1.21 ticks are RDTSC/64 here, at a frequency the runtime measured when tracing stopped.
            let clock = try #require(t.v1Clock)
            #expect(t.ticksPerSecond == Double(clock.ticksPerSecond) && clock.ticksPerSecond != 15_625_000)
            #expect(t.version == .go121 && t.generations == 1)
        } else {
            #expect(t.ticksPerSecond == 15_625_000)
            #expect(t.v1Clock == nil)
        }
    }

    /// The ranges themselves, in order, against the ranges Go's parser reports: each begin (or first
    /// "active") paired with the end at its scope, by start. A range still open when the trace ends lasts
    /// until the trace's last event.
    @Test(
        arguments: ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"].flatMap {
            ["go\($0)-fp-mono", "go\($0)-tasks"]
        }
            + ["go1.21-alloc-mono", "go1.27-alloc-default-clock"])
    func rangesAreGoParsersRangesInStartOrder(_ name: String) throws {
        func field(_ line: Substring, _ key: String, upTo end: String) -> Substring? {
            guard let a = line.range(of: key) else { return nil }
            let rest = line[a.upperBound...]
            return rest.range(of: end).map { rest[..<$0.lowerBound] } ?? rest
        }
        var theirs: [String] = [], ends: [Int64?] = []
        var open: [String: Int] = [:]
        for line in try Self.reference(name) {
            let l = Substring(line)
            let begin = l.contains(" RangeBegin ") || l.contains(" RangeActive "), end = l.contains(" RangeEnd ")
            guard begin || end else { continue }
            let time = try #require(field(l, " Time=", upTo: " ").flatMap { Int64($0) })
            let rangeName = try #require(field(l, " Name=\"", upTo: "\" Scope="))
            let scope = try #require(field(l, " Scope=", upTo: " "))
            let key = (rangeName.hasPrefix("stop-the-world") ? "stw" : String(rangeName)) + " " + String(scope)
            if begin {
                if open[key] != nil, l.contains(" RangeActive ") { continue }
                open[key] = theirs.count
                let context = l.split(separator: " ").prefix(3).joined(separator: " ")  // M=… P=… G=…
                theirs.append("\(context) start=\(time) \(rangeName) \(scope)")
                ends.append(nil)
            } else if let i = open.removeValue(forKey: key) {
                ends[i] = time
            }
        }
        let t = try Self.read(name)
        let expected = zip(theirs, ends).map { "\($0) end=\($1 ?? t.lastTime)" }
        let ours = t.ranges.map { r in
            let scope =
                switch r.kind {
                case .gc: "None";
                case .sweep: "Proc(\(r.scope))";
                default: "Goroutine(\(r.scope))"
                }
            return "M=\(r.m) P=\(r.p) G=\(r.g) start=\(r.start) \(r.name) \(scope) end=\(r.end)"
        }
        #expect(expected.count > 100)
        #expect(ours.count == expected.count)
        var mismatches = 0
        for (a, b) in zip(ours, expected) where a != b {
            if mismatches < 5 { Issue.record("ours:   \(a)\ntheirs: \(b)") }
            mismatches += 1
        }
        #expect(mismatches == 0)
    }

    /// Go ≥ 1.25 writes a clock snapshot per generation: trace time is nanotime (CLOCK_MONOTONIC) / 64.
    @Test(arguments: ["go1.25-fp-mono", "go1.26-fp-mono", "go1.27-fp-mono"])
    func clockSnapshotsAreMonotonicClock(_ name: String) throws {
        let t = try Self.read(name)
        #expect(!t.snapshots.isEmpty)
        for s in t.snapshots { #expect(abs(s.time - Int64(s.mono)) < 128) }
        let expected = try Self.reference(name)
        #expect(t.snapshots.count == expected.filter { $0.contains(" Sync ") }.count - 1)
    }

    /// User annotations (Fixtures/tasks): every TaskBegin/TaskEnd/RegionBegin/RegionEnd/Log line, with the
    /// ranges and labels around them, as Go's parser prints it; regions nest per goroutine.
    @Test(arguments: [
        "go1.21-tasks", "go1.22-tasks", "go1.23-tasks", "go1.24-tasks", "go1.25-tasks", "go1.26-tasks", "go1.27-tasks"
    ])
    func tasksRegionsAndLogsMatchGoToolTrace(_ name: String) throws {
        let expected = try Self.reference(name)
        let t = try Self.read(name)
        #expect(expected.contains { $0.contains(" RegionBegin ") } && expected.contains { $0.contains(" Log ") })
        #expect(t.parsedLines.count == expected.count)
        var mismatches = 0
        for (a, b) in zip(t.parsedLines, expected) where a != b {
            if mismatches < 5 { Issue.record("ours:   \(a)\ntheirs: \(b)") }
            mismatches += 1
        }
        #expect(mismatches == 0)
        let requests = t.tasks.values.filter { $0.type == "request" }
        #expect(!requests.isEmpty && requests.allSatisfy { $0.parent == .max })
        #expect(t.tasks.values.filter { $0.type == "audit" }.allSatisfy { t.tasks[$0.parent]?.type == "request" })
        #expect(t.logs.count == expected.filter { $0.contains(" Log ") }.count)
        #expect(t.logs.allSatisfy { $0.category == "request" && $0.message.hasPrefix("id=") })
        // "checksum" is only ever opened inside "compute", on the same goroutine and task.
        for r in t.regions where r.type == "checksum" {
            #expect(r.depth == 1)
            #expect(
                t.regions.contains {
                    $0.g == r.g && $0.type == "compute" && $0.depth == 0 && $0.start <= r.start && r.end <= $0.end
                        && $0.task == r.task
                })
        }
    }

    /// Go 1.21: mark workers exist before the trace starts; their start function comes from the GoCreate
    /// the runtime writes for every goroutine when tracing starts.
    @Test(arguments: ["go1.21-fp-mono", "go1.27-fp-mono"])
    func goroutinesKnowTheirStartFunction(_ name: String) throws {
        let t = try Self.read(name)
        let workers = Set(t.runs.filter { $0.label.hasPrefix("GC (") }.map(\.g))
        #expect(!workers.isEmpty)
        for g in workers { #expect(t.goroutines[g]?.startFunction == "runtime.gcBgMarkWorker") }
    }
}
