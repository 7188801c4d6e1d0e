import Foundation
import Testing
@testable import PerfData

/// Every record and every sample of each fixture, compared with what perf itself dumped (`perf report -D`).
@Suite struct AgainstPerfTests {
    static let captures: [String] = {
        let dir = Paths.fixtures.appendingPathComponent("perf")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".data") && names.contains($0 + ".report-D.txt") }.sorted()
    }()

    static func url(_ name: String) -> URL {
        Paths.fixtures.appendingPathComponent("perf").appendingPathComponent(name)
    }

    @Test func fixturesArePresent() {
        // The variants the issue names: -g, dwarf, -z, pipe, two events, -p attach, -k mono, default clock.
        for needed in ["go1.25-fp-mono.data", "go1.25-dwarf.data", "go1.25-zstd.data", "go1.25-pipe.data",
                       "go1.25-two-events.data", "go1.25-attach.data", "go1.25-fp-default-clock.data",
                       "go1.25-system-wide.data", "go1.21-fp-mono.data", "go1.27-fp-mono.data"] {
            #expect(Self.captures.contains(needed), "missing fixture \(needed)")
        }
    }

    @Test(arguments: captures)
    func recordsMatchPerfDump(_ name: String) throws {
        let dump = try PerfDump(contentsOf: Self.url(name + ".report-D.txt"))
        let file = try PerfFile(path: Self.url(name).path)
        // perf report -D prints each record when perf delivers it, so its order is perf's processing order.
        var ours: [PerfDump.Record] = []
        var reader = file.orderedRecords()
        while let rec = reader.next() {
            // perf -D shows what a COMPRESSED record holds, not the record itself.
            if rec.type == .compressed || rec.type == .compressed2 { continue }
            ours.append(.init(offset: rec.offset, size: rec.size, type: rec.type.rawValue))
        }
        #expect(reader.error == nil)
        #expect(!dump.records.isEmpty)
        if file.isPipe || name.contains("zstd") {
            // perf numbers pipe offsets from the end of the 16-byte pipe header, and gives records inside a
            // compressed chunk offsets of its own: compare types and sizes in order.
            #expect(ours.map { [$0.type, UInt32($0.size)] } == dump.records.map { [$0.type, UInt32($0.size)] })
            if file.isPipe {
                #expect(ours.map { $0.offset - 16 } == dump.records.map(\.offset))
            }
        } else {
            #expect(ours == dump.records)
        }
    }

    @Test(arguments: captures)
    func samplesMatchPerfDump(_ name: String) throws {
        let dump = try PerfDump(contentsOf: Self.url(name + ".report-D.txt"))
        let file = try PerfFile(path: Self.url(name).path)
        var ours: [PerfDump.Sample] = []
        var reader = file.orderedRecords()
        while let rec = reader.next() {
            guard rec.type == .sample else { continue }
            ours.append(PerfDump.Sample(try file.sample(rec), offset: rec.offset, file: file))
        }
        #expect(ours.count == dump.samples.count)
        #expect(ours.count > 0)
        let comparable = !(file.isPipe || name.contains("zstd"))
        for (a, var b) in zip(ours, dump.samples) {
            var a = a
            if !comparable {
                a.offset = 0
                b.offset = 0
            }
            #expect(a == b)
            if a != b { break }  // One mismatch tells the story; don't flood the log.
        }
    }

    @Test func samplesComeOutInPerfScriptOrder() throws {
        // perf script's header lines (comm, tid, time, period, event) for every sample, in its order.
        for name in Self.captures where !name.contains("attach") {
            let script = try String(contentsOf: Self.url(name + ".script.txt"), encoding: .utf8)
            let perfTimes = script.split(separator: "\n").compactMap { line -> String? in
                guard !line.hasPrefix("\t"), let colon = line.range(of: ": ") else { return nil }
                let head = line[..<colon.lowerBound].split(separator: " ")
                return head.last.map(String.init)
            }
            let file = try PerfFile(path: Self.url(name).path)
            var times: [String] = []
            var it = file.orderedRecords()
            while let rec = it.next() {
                guard rec.type == .sample, let t = file.timestamp(rec) else { continue }
                let us = t / 1000
                let frac = String(us % 1_000_000)
                times.append("\(us / 1_000_000).\(String(repeating: "0", count: 6 - frac.count))\(frac)")
            }
            #expect(it.error == nil)
            #expect(times == perfTimes, "order differs from perf script for \(name)")
        }
    }

    @Test(arguments: captures.filter { !$0.contains("pipe") && !$0.contains("zstd") })
    func fileOrderHoldsEveryRecordOnce(_ name: String) throws {
        let dump = try PerfDump(contentsOf: Self.url(name + ".report-D.txt"))
        let file = try PerfFile(path: Self.url(name).path)
        var ours: [PerfDump.Record] = []
        var reader = file.records()
        while let rec = try reader.nextRecord() {
            ours.append(.init(offset: rec.offset, size: rec.size, type: rec.type.rawValue))
        }
        #expect(ours.map(\.offset) == ours.map(\.offset).sorted())
        #expect(ours == dump.records.sorted { $0.offset < $1.offset })
    }

    @Test func clockAndEventsMatchHeader() throws {
        let mono = try PerfFile(path: Self.url("go1.25-fp-mono.data").path)
        #expect(mono.events.count == 1)
        #expect(mono.events[0].attr.useClockID)
        #expect(mono.events[0].attr.clockID == 1)
        #expect(mono.features.clockData?.clockID == 1)
        #expect(mono.features.hostname != nil)
        let header = try String(contentsOf: Self.url("go1.25-fp-mono.data.header.txt"), encoding: .utf8)
        #expect(header.contains("# hostname : \(mono.features.hostname!)\n"))
        #expect(header.contains("# perf version : \(mono.features.perfVersion!)\n"))
        #expect(header.contains("# total memory : \(mono.features.totalMemory!) kB\n"))
        #expect(header.contains("sample_type = \(mono.events[0].attr.sampleType)"))

        let two = try PerfFile(path: Self.url("go1.25-two-events.data").path)
        #expect(two.events.count == 2)
        #expect(two.events.allSatisfy { $0.attr.sampleType.contains(.identifier) })
        let twoHeader = try String(contentsOf: Self.url("go1.25-two-events.data.header.txt"), encoding: .utf8)
        for e in two.events { #expect(twoHeader.contains("name = \(e.name),")) }
        // Samples of both events are told apart by their identifier.
        var seen = Set<Int>()
        var r = two.records()
        while let rec = try r.nextRecord() {
            if rec.type == .sample { seen.insert(try two.sample(rec).eventIndex) }
        }
        #expect(seen == [0, 1])

        let pipe = try PerfFile(path: Self.url("go1.25-pipe.data").path)
        #expect(pipe.isPipe)
        #expect(pipe.events.count == 1)
        #expect(pipe.events[0].name == "cpu-clock")
        #expect(pipe.features.hostname == mono.features.hostname)
    }
}
