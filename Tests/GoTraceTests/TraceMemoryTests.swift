import Foundation
import GoTrace
import Testing

/// Ranges and runs hold their strings as ids into one table, so that they are plain memory; the heap
/// curve is kept only when asked for.
@Suite struct TraceMemoryTests {
    @Test func textsRoundTripAndCompareByContent() async throws {
        let names = (0..<200).map { "GC (worker \($0))" }
        // From several tasks at once: one id per distinct string whoever asks first.
        let ids = await withTaskGroup(of: [TraceText].self) { group in
            for _ in 0..<4 { group.addTask { names.map { TraceText($0) } } }
            var all: [[TraceText]] = []
            for await r in group { all.append(r) }
            return all
        }
        for r in ids { #expect(r == ids[0]) }
        #expect(ids[0].map(\.string) == names)
        #expect(Set(ids[0]).count == names.count)
        #expect(TraceText("") == .empty && TraceText.empty.string.isEmpty && TraceText("x").isEmpty == false)
        // A run to relabel, from a fixture trace (the memberwise initializer is internal).
        var run = try #require(try AgainstGoTests.read("go1.27-fp-mono").runs.first)
        run.label = "GC (idle)"
        #expect(run.label == "GC (idle)" && run.labelText == TraceText("GC (idle)"))
    }

    @Test func rangesAndRunsArePlainMemory() {
        #expect(_isPOD(TraceRange.self) && _isPOD(GoroutineRun.self))
        #expect(MemoryLayout<TraceRange>.stride == 72 && MemoryLayout<GoroutineRun>.stride == 64)
    }

    /// The heap's peak is kept without the samples; with them, it is the first of the largest.
    @Test(arguments: ["go1.21-alloc-mono", "go1.27-alloc-mono", "go1.25-fp-mono"])
    func heapPeakWithoutTheSamples(_ name: String) throws {
        let data = try Data(contentsOf: AgainstGoTests.dir.appendingPathComponent("\(name).trace"))
        let lean = try data.withUnsafeBytes { try GoTrace(bytes: $0) }
        let full = try data.withUnsafeBytes { try GoTrace(bytes: $0, keepHeapSamples: true) }
        #expect(lean.heap.isEmpty && full.heap.count > 100)
        let first = try #require(full.heap.max { $0.live < $1.live })
        #expect(lean.heapPeak == first && full.heapPeak == first)
        #expect(full.heap.filter { $0.live == first.live }.first == first)
    }
}
