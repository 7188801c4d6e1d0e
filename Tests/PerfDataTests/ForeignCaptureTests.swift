import BinaryIO
import Foundation
import Testing
@testable import PerfData

/// Other projects' perf.data test files (Fixtures/foreign: Google perf_data_converter's, recorded by perf 3.2
/// to 6.12 on x86-64, i686 and ARMv7, file and pipe mode), each record and sample compared with what perf
/// itself dumped (`perf report -D`), as AgainstPerfTests does for our own captures.
@Suite struct ForeignCaptureTests {
    static let dir = Paths.fixtures.appendingPathComponent("foreign")
    static let captures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".zst") && !$0.hasSuffix(".report-D.txt.zst") }
            .map { String($0.dropLast(4)) }.sorted()
    }()

    static func dump(_ name: String) throws -> PerfDump {
        let f = try openInput(dir.appendingPathComponent(name + ".report-D.txt.zst").path)
        return PerfDump(text: String(decoding: f.bytes, as: UTF8.self))
    }

    @Test func fixturesArePresent() {
        #expect(Self.captures.count == 15)
        #expect(Self.captures.contains { $0.contains("piped") } && Self.captures.contains { $0.contains("i686") })
        #expect(Self.captures.contains { $0.contains("armv7") })
    }

    @Test(arguments: captures)
    func recordsAndSamplesMatchPerfDump(_ name: String) throws {
        let dump = try Self.dump(name)
        let file = try PerfFile(file: try openInput(Self.dir.appendingPathComponent(name + ".zst").path))
        var records: [PerfDump.Record] = []
        var samples: [PerfDump.Sample] = []
        var reader = file.orderedRecords()
        while let rec = reader.next() {
            if rec.type == .compressed || rec.type == .compressed2 { continue }
            records.append(.init(offset: rec.offset, size: rec.size, type: rec.type.rawValue))
            guard rec.type == .sample else { continue }
            samples.append(PerfDump.Sample(try file.sample(rec), offset: rec.offset, file: file))
        }
        // perf stops at the zero-size record and dumps what came before it; so must we, with an error.
        #expect((reader.error != nil) == name.contains("corrupted"), "\(name): \(String(describing: reader.error))")
        #expect(!dump.records.isEmpty)
        // perf numbers a pipe's offsets from the end of its 16-byte header.
        let shift = file.isPipe ? 16 : 0
        #expect(records.map { [$0.offset - shift, $0.size, Int($0.type)] } == dump.records.map { [$0.offset, $0.size, Int($0.type)] })
        #expect(samples.count == dump.samples.count)
        for (a, b) in zip(samples, dump.samples) {
            var a = a
            a.offset -= shift
            #expect(a == b, "\(name)")
            if a != b { break }  // one mismatch tells the story
        }
    }
}
