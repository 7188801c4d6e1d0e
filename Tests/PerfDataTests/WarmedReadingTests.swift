import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import PerfData

/// A capture large enough for a `PageWarmer` (a 22 MB crafted one, 200 rounds): read in perf's order
/// from the mapped file, it hands out the same records as from a copy in memory (no warmer), and the
/// pages of the rounds already handed out leave the mapping.
@Suite struct WarmedReadingTests {
    static func capture() -> MappedFile {
        var c = CraftedPerfData()
        c.comm(pid: 7, name: "warmed")
        c.mmap2(pid: 7, start: 0x40_0000, length: 0x10_0000, name: "/bin/warmed")
        var time: UInt64 = 10
        for round in 0..<200 {
            for i in 0..<200 {
                // Times out of order within a round, so that the queue sorts.
                let t = time + UInt64((i * 7919) % 200)
                c.sample(pid: 7, time: t, chain: (0..<64).map { 0x40_1000 + UInt64(round * 64 + $0 + i) })
            }
            time += 200
            c.finishedRound()
        }
        return c.file(path: "warmed.data")
    }

    struct Handed: Equatable {
        var offset: Int, type: UInt32, time: UInt64?, firstWord: UInt64?
    }

    static func handOut(_ file: PerfFile) -> [Handed] {
        var out: [Handed] = []
        var ordered = OrderedRecords(file: file)
        while let rec = ordered.next() {
            out.append(Handed(offset: rec.offset, type: rec.type.rawValue, time: file.timestamp(rec),
                              firstWord: try? rec.body.peekU64(at: 0)))
        }
        return out
    }

    @Test func sameRecordsAndHandedOutPagesLeave() throws {
        let copy = Self.capture()
        #expect(copy.count > 20 << 20)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("stackfold-warmed-\(UUID().uuidString).data").path
        try Data(copy.bytes).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }

        let mapped = try PerfFile(path: path)
        #expect(mapped.file.isMapped)
        let fromMapping = Self.handOut(mapped)
        let fromCopy = Self.handOut(try PerfFile(file: copy))
        #expect(fromMapping.count == 2 + 200 * 201)
        #expect(fromMapping == fromCopy)

        // Everything was read, but all except the last rounds and release block has been let go.
        let left = eventually { (MappingResidency.residentKB(mapped.file) ?? .max) < 12 << 10 }
        #expect(left, "resident: \(MappingResidency.residentKB(mapped.file) ?? -1) kB of \(copy.count >> 10)")
    }
}
