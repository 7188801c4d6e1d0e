import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import PerfData

/// Captures cut short, killed, corrupted or random: every complete record, a warning or an error
/// naming the offset; never a trap or a hang.
@Suite struct BadInputTests {
    static func url(_ name: String) -> URL {
        Paths.fixtures.appendingPathComponent("perf").appendingPathComponent(name)
    }

    /// Reads everything a consumer would: ordered records, samples, process model.
    static func readAll(_ file: PerfFile) -> (records: Int, samples: Int, error: PerfDataError?) {
        var model = ProcessModel(file: file)
        var it = file.orderedRecords()
        var n = 0
        var samples = 0
        while let rec = it.next() {
            n += 1
            if rec.type == .sample {
                if let s = try? file.sample(rec) {
                    samples += 1
                    for f in s.frames() { _ = model.mapping(pid: s.pid, address: f.address, mode: f.mode) }
                }
            } else {
                model.process(rec, in: file)
            }
        }
        return (n, samples, it.error)
    }

    @Test func truncatedCaptureYieldsEveryCompleteRecordAndWarns() throws {
        let full = try PerfDump(contentsOf: Self.url("go1.25-fp-mono.data.report-D.txt"))
        let file = try PerfFile(path: Self.url("go1.25-truncated.data").path)
        let size = file.file.count
        // perf's own dump of the whole capture tells which records lie entirely before the cut.
        let complete = full.records.filter { $0.offset + $0.size <= size }
        var ours: [PerfDump.Record] = []
        var r = file.records()
        while let rec = try r.nextRecord() {
            ours.append(.init(offset: rec.offset, size: rec.size, type: rec.type.rawValue))
        }
        #expect(ours == complete.sorted { $0.offset < $1.offset })
        #expect(complete.count < full.records.count)
        #expect(file.warnings.contains { $0.contains("truncated") && $0.contains("go1.25-truncated.data") })
    }

    @Test func killedCaptureIsReadToTheEnd() throws {
        let file = try PerfFile(path: Self.url("go1.25-killed.data").path)
        #expect(file.dataSection.size == 0)
        #expect(file.warnings.contains { $0.contains("data size 0") })
        let r = Self.readAll(file)
        // perf script reads nothing from such a file; every sample is in it.
        #expect(r.samples > 100)
        #expect(r.error == nil)
    }

    @Test func corruptRecordSizeIsAnErrorWithTheOffset() throws {
        var bytes = [UInt8](try Data(contentsOf: Self.url("go1.25-fp-mono.data")))
        let dump = try PerfDump(contentsOf: Self.url("go1.25-fp-mono.data.report-D.txt"))
        let victim = dump.records.filter { $0.type == 9 }[5]
        bytes[victim.offset + 6] = 4  // size 4: smaller than a record header
        bytes[victim.offset + 7] = 0
        let file = try PerfFile(file: MappedFile(path: "corrupt.data", copying: bytes))
        var r = file.records()
        var n = 0
        do {
            while try r.nextRecord() != nil { n += 1 }
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == victim.offset)
            #expect(error.description.contains("corrupt.data"))
            #expect(error.description.contains("expected at least 8"))
        }
        #expect(n == dump.records.filter { $0.offset < victim.offset }.count)
    }

    @Test func notPerfDataNamesTheMagic() {
        let file = MappedFile(path: "notes.txt", copying: Array("hello, world, this is not perf".utf8))
        #expect {
            _ = try PerfFile(file: file)
        } throws: { e in
            let d = "\(e)"
            return d.contains("notes.txt") && d.contains("offset 0") && d.contains("PERFILE2")
        }
        #expect(throws: PerfDataError.self) { _ = try PerfFile(file: MappedFile(path: "empty", copying: [UInt8]())) }
    }

    /// Random byte flips and cuts of real captures (fixed seed): the reader returns or throws, never traps or hangs.
    @Test(arguments: [
        "go1.25-fp-mono.data", "go1.25-zstd.data", "go1.25-pipe.data", "go1.25-two-events.data", "go1.25-dwarf.data"
    ])
    func mutatedCapturesNeverTrap(_ name: String) throws {
        let original = [UInt8](try Data(contentsOf: Self.url(name)))
        var rng = SplitMix64(seed: 0x5eed_0000 &+ UInt64(name.utf8.count))
        let rounds = 200
        for _ in 0..<rounds {
            var bytes = original
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count))) }
            guard let file = try? PerfFile(file: MappedFile(path: name, copying: bytes)) else { continue }
            _ = Self.readAll(file)
        }
    }
}
