import Foundation
import Testing
@testable import FlameSVG

/// Values from a hostile input reach the renderer (issue 22): counts that parse as infinity, sample
/// times at both ends of UInt64, spans that end before they start. Each is drawn or refused with a
/// message; none traps.
@Suite struct HostileValueTests {
    /// Fixtures/hostile/folded-inf.txt (Fixtures/generate-hostile.sh): a valid line, and a count of 400
    /// nines, which Double reads as infinity and Int(Double) would trap on.
    @Test func infiniteCountIsAnIgnoredLine() throws {
        let text = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("hostile/folded-inf.txt"), encoding: .utf8)
        var p = FoldedParser()
        let stacks = p.parse(text)
        #expect(stacks.map(\.frames) == [["main", "work"]])
        #expect(p.ignored == 1)
        var fg = FlameGraph(options: FlameGraphOptions())
        let svg = fg.render(folded: text)
        #expect(try FrameReader.read(svg).contains { $0.title == "all (5 samples, 100%)" })
        // Finite counts whose sum is not: refused with a message, no graph.
        var big = FlameGraph(options: FlameGraphOptions())
        let huge = big.render(stacks: [
            FoldedStack(frames: ["a"], count: 1e300 * 1e8), FoldedStack(frames: ["b"], count: 1.7e308)
        ])
        #expect(huge.contains("ERROR: the counts add up to more than a double holds."))
        #expect(big.warnings.contains { $0.hasPrefix("ERROR: the counts add up") })
    }

    /// Samples at 5 ns and 0xfffffffffffffff0 ns (the strip spans all of UInt64), a span ending before it
    /// starts and one at the very end: the strip is drawn, every sample in a bin.
    @Test func extremeTimesAndBackwardSpans() throws {
        let times: [UInt64] = [5, 6, 1 << 40, 0xffff_ffff_ffff_fff0, .max]
        let samples = times.enumerated().map { TimeStrip.Sample(time: $1, stack: $0 % 2, weight: 1, category: 0) }
        let spans = [
            TimeStrip.Span(
                lane: .top, start: 1_000, end: 10, kind: "stop-the-world", label: "backwards", color: "rgb(215,48,39)"),
            TimeStrip.Span(lane: .top, start: 2_000, end: 5, kind: "stop-the-world", label: "backwards too", color: "rgb(215,48,39)"),
            TimeStrip.Span(lane: .bottom, start: .max - 1, end: .max, kind: "assist", label: "last", color: "rgb(0,0,0)"),
            TimeStrip.Span(lane: .bottom, start: .max, end: .max, kind: "assist", label: "last", color: "rgb(0,0,0)"),
        ]
        let strip = TimeStrip(stacks: [["main", "a"], ["main", "b"]], samples: samples,
                              categories: [.init(name: "none", color: "rgb(150,160,178)")], spans: spans)
        let l = StripLayout(strip, plotWidth: 1180)
        #expect(l.binStacks.flatMap { $0 }.reduce(0) { $0 + $1.1 } == Double(times.count))
        #expect(l.time(atFraction: 4, of: 4) == .max)
        var fg = FlameGraph(options: FlameGraphOptions())
        let svg = fg.render(strip: strip)
        #expect(try FrameReader.read(svg).contains { $0.title == "all (5 samples, 100%)" })
        #expect(svg.contains("2 stop-the-worlds, total 0.000 ms"))
        #expect(svg.contains(">18446744073.709551 s<"))
        // One bin for everything: the strip's span is all of UInt64 from 5.
        let one = StripLayout(strip, plotWidth: 2)
        #expect(one.bins == 1 && one.binNs == .max - 4)
        #expect(one.x(.max, x0: 0) <= 2)
    }
}
