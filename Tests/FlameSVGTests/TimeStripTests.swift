import Foundation
import Testing
@testable import FlameSVG

@Suite struct TimeStripTests {
    func strip() -> TimeStrip {
        let stacks = [
            ["[gc:none]", "main", "work"], ["[gc:assist]", "main", "</script>]]>\"evil\"\\"],
            ["[gc:none]", "main", "a&b"]
        ]
        // Samples over 1 ms of perf time, 10 µs apart, stacks in turn.
        let samples = (0..<100).map { i in
            TimeStrip.Sample(
                time: 5_000_000_000 + UInt64(i) * 10_000, stack: i % 3, weight: 1, category: i % 3 == 1 ? 1 : 0)
        }
        let spans = [
            TimeStrip.Span(
                lane: .top, start: 5_000_200_000, end: 5_000_230_000, kind: "stop-the-world",
                label: "stop-the-world (<reason> & co)", color: "rgb(215,48,39)")
        ]
        return TimeStrip(
            stacks: stacks, samples: samples,
            categories: [
                .init(name: "none", color: "rgb(150,160,178)"), .init(name: "assist", color: "rgb(244,140,30)")
            ],
            spans: spans)
    }

    func render(_ s: TimeStrip) -> String {
        var fg = FlameGraph(options: FlameGraphOptions())
        return fg.render(strip: s)
    }

    @Test func graphIsTheWholeCaptureAndParses() throws {
        let svg = render(strip())
        let frames = try FrameReader.read(svg)
        #expect(frames.contains { $0.title == "all (100 samples, 100%)" })
        #expect(frames.contains { $0.title.hasPrefix("</script>]]>\"evil\"\\ (33 samples") })
        #expect(svg.contains("stop-the-world (&lt;reason&gt; &amp; co)"))
        // Names reach the script as JS strings that cannot end the CDATA section or the script.
        let script = svg[svg.range(of: "var tl = ")!.lowerBound...]
        #expect(script.contains("\"\\x3c/script\\x3e\\x5d\\x5d\\x3e\\\"evil\\\"\\\\\""))
        #expect(svg.components(separatedBy: "]]>").count == 2)
    }

    @Test func binsHoldEverySampleOnce() {
        let s = strip()
        let l = StripLayout(s, plotWidth: 1180)
        #expect(l.bins == 590)
        #expect(l.binStacks.flatMap { $0 }.reduce(0) { $0 + $1.1 } == 100)
        #expect(l.binCategories.map { $0[1] }.reduce(0, +) == 33)
        // The last sample lands in the last bins, not past them.
        #expect(l.start == 5_000_000_000 && UInt64(l.bins) * l.binNs >= 990_001)
        // Stacks in the graph's order: byte order of the joined frames.
        #expect(l.sortedStacks.map { $0[0] } == ["[gc:assist]", "[gc:none]", "[gc:none]"])
        #expect(l.sortedStacks[1][2] == "a&b")
    }

    @Test func sameInputSameBytes() {
        #expect(render(strip()) == render(strip()))
    }
}
