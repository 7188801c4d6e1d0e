import BinaryIO
import Testing
@testable import FlameSVG

/// Counts say what they are (issue 21): perf.data weights are periods, so a frame shows its sample
/// count beside the weight in the event's unit; folded text stays labelled as flamegraph.pl labels it.
@Suite struct UnitsTests {
    @Test func labels() {
        #expect(WeightUnit.nanoseconds.label(weight: 412_400_000, samples: 412) == "412 samples, 412.4 ms")
        #expect(WeightUnit.nanoseconds.label(weight: 1_250_000_000, samples: 1) == "1 sample, 1.25 s")
        #expect(WeightUnit.nanoseconds.label(weight: 12_000, samples: nil) == "12.0 µs")
        #expect(WeightUnit.events("cycles").label(weight: 1_234_567, samples: 3) == "3 samples, 1,234,567 cycles")
        #expect(WeightUnit.samples.label(weight: 1234, samples: 1234) == "1,234 samples")
        #expect(WeightUnit.samples.label(weight: 7, samples: nil) == "7 samples")
    }

    /// `stack samples weight` lines: each frame's samples are the sum over the stacks under it.
    @Test func countedFoldedText() throws {
        var o = FlameGraphOptions()
        o.weightUnit = .nanoseconds
        var fg = FlameGraph(options: o)
        let svg = fg.render(folded: "p;a;b 3 3000000\np;a;c 1 1000000\np;d 996 996000000\n", counted: true)
        let titles = try FrameReader.read(svg).map(\.title)
        #expect(titles.contains("all (1,000 samples, 1.00 s, 100%)"))
        #expect(titles.contains("a (4 samples, 4.0 ms, 0.40%)"))
        #expect(titles.contains("d (996 samples, 996.0 ms, 99.60%)"))
        #expect(fg.warnings.isEmpty)
        // Widths follow the weights, as without counts.
        var plain = FlameGraph(options: FlameGraphOptions())
        let widths = try FrameReader.read(plain.render(folded: "p;a;b 3000000\np;a;c 1000000\np;d 996000000\n")).map(
            \.width)
        #expect(try FrameReader.read(svg).map(\.width) == widths)
    }

    /// A few samples of a large period: the low-count warning counts samples, not nanoseconds.
    @Test func lowCountWarningCountsSamples() {
        var o = FlameGraphOptions()
        o.weightUnit = .nanoseconds
        var fg = FlameGraph(options: o)
        _ = fg.render(folded: "p;a 5 5000000000\n", counted: true)
        #expect(fg.warnings == ["Stack count is low (5 samples). Did something go wrong?"])
    }

    /// The strip's axis counts from its origin (a trace's start), and says so once.
    @Test func stripAxisSinceOrigin() {
        let samples = (0..<10).map {
            TimeStrip.Sample(time: 2_000_000_000 + UInt64($0) * 100_000_000, stack: 0, weight: 1e6, category: 0)
        }
        var strip = TimeStrip(
            stacks: [["[gc:none]", "main"]], samples: samples,
            categories: [.init(name: "none", color: "rgb(150,160,178)")], spans: [])
        strip.origin = 1_500_000_000
        var o = FlameGraphOptions()
        o.weightUnit = .nanoseconds
        var fg = FlameGraph(options: o)
        let svg = fg.render(strip: strip)
        #expect(svg.contains(">0.500 s since trace start<"))
        #expect(svg.contains("unit: \"ns\""))
        #expect(svg.contains("<title>all (10 samples, 10.0 ms, 100%)</title>"))
    }
}
