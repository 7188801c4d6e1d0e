import GoTrace
import Testing

/// Ranges and runs hold their strings as ids into one table, so that they are plain memory.
@Suite struct TraceTextTests {
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
}
