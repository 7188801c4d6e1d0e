import Align
import Foundation
import GoTrace
import PerfData
@testable import Pprof
import SwiftProtobuf
import Testing
import TestSupport

/// The writer encodes samples by hand (SampleRows); the bytes must be the ones swift-protobuf writes for
/// the same messages, on captures with every kind of label: pid/tid/comm/event, cpu (system-wide), and
/// goroutine, gc, region and task from a Go trace.
@Suite struct SampleRowsTests {
    @Test(arguments: ["go1.25-fp-mono.data", "go1.25-system-wide.data", "go1.25-pie.data", "go1.25-two-events.data",
                      "go1.21-fp-mono.data", "go1.25-dwarf.data"])
    func handEncodingIsSwiftProtobufs(_ name: String) throws {
        let r = try PprofWriter.profile(perf: try PerfFile(path: WriteTests.perf(name).path), options: WriteTests.options())
        #expect(r.rows.count > 0)
        #expect(try r.serialized() == r.profile.serializedBytes())
    }

    @Test(arguments: [("go1.27-alloc-mono.data", "go1.27-alloc-mono.trace"), ("go1.25-tasks-mono.data", "go1.25-tasks.trace")])
    func withTraceLabels(_ names: (String, String)) throws {
        let file = try PerfFile(path: WriteTests.perf(names.0).path)
        let bytes = try Data(contentsOf: Paths.fixtures.appendingPathComponent("gotrace/\(names.1)"))
        let trace = try bytes.withUnsafeBytes { try GoTrace(bytes: $0) }
        let a = try AlignedCapture(perf: file, options: PprofWriter.collapseOptions(WriteTests.options()), trace: trace)
        let r = PprofWriter.profile(aligned: a, perf: file, window: nil)
        let p = r.profile
        #expect(p.sample.contains { $0.label.contains { p.stringTable[Int($0.key)] == "goroutine" } })
        #expect(try r.serialized() == p.serializedBytes())
    }

    /// Varint widths at every boundary, negative values (ten bytes), zero fields left out, one value type.
    @Test func edgeValues() throws {
        var rows = SampleRows()
        rows.stacks = [[1, 127, 128, 16_383, 16_384, UInt64.max], []]
        let big: [Int64] = [0, 1, -1, 127, 128, Int64.max, Int64.min, 1 << 35]
        for (i, v) in big.enumerated() {
            rows.stackOf.append(Int32(i % 2))
            rows.labels.append(LabelRow(key: v, str: 0, num: 0 &- v, numUnit: v))
            rows.labels.append(LabelRow(key: 0))
            rows.labelEnds.append(rows.labels.count)
            rows.counts.append(v)
            rows.weights.append(0 &- v)
        }
        for valueCount in [1, 2] {
            rows.valueCount = valueCount
            var p = Perftools_Profiles_Profile()
            p.sample = rows.messages()
            var out: [UInt8] = []
            rows.encode(into: &out)
            #expect(out == (try p.serializedBytes() as [UInt8]))
        }
        for v in [0, 1, 127, 128, 1 << 14 - 1, 1 << 14, 1 << 63 - 1, 1 << 63, .max] as [UInt64] {
            var out: [UInt8] = []
            putVarint(v, &out)
            #expect(out.count == varintSize(v))
        }
    }
}
