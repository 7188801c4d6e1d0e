import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import PerfData

/// OrderedRecords against a plain model of perf's ordering (ordered-events.c: untimed records at once;
/// at each FINISHED_ROUND, the queued records up to the highest time seen before the previous round
/// mark, stably sorted; the rest at the end), on real captures with round marks added and sample times
/// scrambled (fixed seeds), so that records arrive out of order within and across rounds. AgainstPerfTests checks the
/// unscrambled captures against perf itself.
@Suite struct OrderedRecordsTests {
    /// A record as handed out: every field of it, its body by origin, length and content.
    struct Delivered: Equatable {
        var offset: Int, size: Int, type: UInt32, time: UInt64?
        var misc: UInt16, fromCompressed: Bool, origin: Int, count: Int, position: Int, bytes: UInt64

        init(_ rec: RawRecord, _ file: PerfFile) {
            (offset, size, type, time) = (rec.offset, rec.size, rec.type.rawValue, file.timestamp(rec))
            (misc, fromCompressed) = (rec.misc, rec.fromCompressed)
            (origin, count, position) = (rec.body.origin, rec.body.count, rec.body.position)
            // FNV-1a of the body: records are built again from where they start (the queue holds no record).
            bytes = rec.body.rest.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        }
    }

    /// perf's order, of the records as the checked reader (which reads every field with its own bounds
    /// check, not through `RecordReader.record(at:chunk:)`) builds them.
    static func model(_ file: PerfFile) throws -> [Delivered] {
        var out: [Delivered] = []
        var queue: [(time: UInt64, rec: Delivered)] = []
        var nextFlush: UInt64 = 0, maxTime: UInt64 = 0
        func flush(upTo limit: UInt64) {
            // Swift's sort is not stable: sort (time, arrival) pairs.
            let now = queue.enumerated().filter { $0.element.time <= limit }
                .sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
            out += now.map(\.element.rec)
            queue.removeAll { $0.time <= limit }
        }
        var reader = file.records()
        while let rec = try reader.nextRecordChecked() {
            let d = Delivered(rec, file)
            if rec.type == .finishedRound {
                out.append(d)
                flush(upTo: nextFlush)
                nextFlush = maxTime
            } else if let t = d.time {
                maxTime = max(maxTime, t)
                queue.append((t, d))
            } else {
                out.append(d)
            }
        }
        flush(upTo: .max)
        return out
    }

    /// The capture's bytes with each sample's time moved by up to ±`jitter` ns, and round marks added.
    static func scrambled(_ name: String, seed: UInt64, jitter: UInt64) throws -> PerfFile {
        let path = Paths.fixtures.appendingPathComponent("perf/\(name)").path
        let file = try PerfFile(path: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var rng = SplitMix64(seed: seed)
        var reader = file.records()
        while let rec = try reader.nextRecord() {
            guard rec.type == .sample, !rec.fromCompressed, let t = file.timestamp(rec) else { continue }
            // The fixtures have one round mark, at the end: every 16th sample becomes one (same size;
            // the reader skips its body), so that rounds are flushed all along.
            if rng.next() % 16 == 0 {
                withUnsafeBytes(of: RecordType.finishedRound.rawValue.littleEndian) {
                    for (i, b) in $0.enumerated() { bytes[rec.offset + i] = b }
                }
                continue
            }
            let l = file.events[file.eventIndex(of: rec)].layout
            // Where `timestamp` reads a sample's time: after identifier, ip and tid when present.
            var at = rec.offset + 8
            for f in [SampleFormat.identifier, .ip, .tid] where l.type.contains(f) { at += 8 }
            let moved = t &+ rng.next() % (2 * jitter) &- jitter
            withUnsafeBytes(of: moved.littleEndian) { for (i, b) in $0.enumerated() { bytes[at + i] = b } }
        }
        return try PerfFile(file: MappedFile(path: name, copying: bytes))
    }

    @Test(arguments: [("go1.25-fp-mono.data", 1 as UInt64, 1_000 as UInt64), ("go1.25-fp-mono.data", 2, 50_000_000),
                      ("go1.25-two-events.data", 3, 5_000_000), ("go1.21-fp-mono.data", 4, 200_000_000)])
    func deliversAsTheModel(_ name: String, _ seed: UInt64, _ jitter: UInt64) throws {
        let file = try Self.scrambled(name, seed: seed, jitter: jitter)
        let expected = try Self.model(file)
        let ours = Self.delivered(file)
        #expect(ours.count == expected.count)
        #expect(ours == expected)
        // The scramble must have done something: times out of file order.
        let times = ours.compactMap(\.time)
        #expect(times != times.sorted() || jitter < 10_000)
    }

    static func delivered(_ file: PerfFile) -> [Delivered] {
        var ours: [Delivered] = []
        var reader = file.orderedRecords()
        while let rec = reader.next() { ours.append(Delivered(rec, file)) }
        #expect(reader.error == nil)
        return ours
    }

    /// Every fixture as recorded (compressed chunks, pipe mode, two events, cut short): the same records,
    /// in the same order, as the model.
    @Test(arguments: AgainstPerfTests.captures + ["go1.25-truncated.data", "go1.25-killed.data"])
    func everyFixtureAsTheModel(_ name: String) throws {
        let file = try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/\(name)").path)
        let expected = try Self.model(file)
        #expect(expected.contains { $0.time != nil })
        let ours = Self.delivered(file)
        #expect(ours.count == expected.count)
        // The first difference tells the story; the whole lists would flood the log.
        if let i = ours.indices.first(where: { $0 < expected.count && ours[$0] != expected[$0] }) {
            Issue.record("\(name): record \(i) is \(ours[i]), the model's \(expected[i])")
        }
    }
}
