import Foundation
import Testing
@testable import FlameSVG
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct RenderTests {
    func render(_ folded: String, _ configure: (inout FlameGraphOptions) -> Void = { _ in }) -> String {
        var o = FlameGraphOptions()
        configure(&o)
        var fg = FlameGraph(options: o)
        return fg.render(folded: folded)
    }

    @Test func hostileNamesAreEscaped() throws {
        let folded = """
        <script>alert(1)</script>;a&b;"quoted" 'x' 5
        evil\u{1}ctl;</text><g onload="x"> 3
        java;Lorg/x;.<init> 2

        """
        let svg = render(folded) {
            $0.title = "<script>alert('t')</script> & co"
            $0.subtitle = "\"sub\" <b>"
            $0.notes = "--> <!-- notes"
        }
        let frames = try FrameReader.read(svg)  // must parse as XML
        #expect(frames.contains { $0.title.hasPrefix("<script>alert(1)</script> (") })
        #expect(frames.contains { $0.title.hasPrefix("</text><g onload=\"x\"> (") })
        #expect(!svg.contains("<script>alert"))
        #expect(!svg.contains("<g onload=\"x\">"))
        #expect(svg.contains("&lt;script&gt;alert(&apos;t&apos;)&lt;/script&gt; &amp; co"))
        #expect(!svg.contains("\u{1}"))
    }

    @Test func sameInputSameBytes() {
        let folded = (0..<300).map { "main;f\($0 % 17);g\($0 % 5) \($0 + 1)" }.joined(separator: "\n")
        #expect(render(folded) == render(folded))
        let shuffled = folded.split(separator: "\n").reversed().joined(separator: "\n")
        #expect(render(folded) == render(shuffled))  // sorted like flamegraph.pl
    }

    @Test func differentialColoursByEachFramesOwnChange() throws {
        // difffolded.pl output: before after.
        let folded = """
        main;grow 10 30
        main;shrink 30 10
        main;same 5 5

        """
        let frames = try FrameReader.read(render(folded))
        let grow = try #require(frames.first { $0.title.hasPrefix("grow ") })
        let shrink = try #require(frames.first { $0.title.hasPrefix("shrink ") })
        let same = try #require(frames.first { $0.title.hasPrefix("same ") })
        #expect(grow.fill.hasPrefix("rgb(255,"))   // red: grew
        #expect(shrink.fill.hasSuffix(",255)"))    // blue: shrank
        #expect(same.fill == "rgb(255,255,255)")
        #expect(grow.title.contains("+44.44%"))     // (30-10)/45
        #expect(grow.width > shrink.width)          // widths from the second profile
        let negated = try FrameReader.read(render(folded) { $0.negate = true })
        #expect(negated.first { $0.title.hasPrefix("grow ") }!.fill.hasSuffix(",255)"))
    }

    @Test func icicleFlameChartAndMinWidth() throws {
        let folded = "a;b 50\na;c 50\na;b 1\n"
        let normal = try FrameReader.read(render(folded))
        let icicle = try FrameReader.read(render(folded) { $0.inverted = true })
        let rootY = normal.first { $0.title.hasPrefix("all ") }!.y
        let leafY = normal.first { $0.title.hasPrefix("b ") }!.y
        #expect(rootY > leafY)
        #expect(icicle.first { $0.title.hasPrefix("all ") }!.y < icicle.first { $0.title.hasPrefix("b ") }!.y)
        // Flame chart keeps input order: b, c, then b again as a separate frame.
        let chart = try FrameReader.read(render(folded) { $0.flameChart = true })
        #expect(chart.filter { $0.title.hasPrefix("b ") }.count == 2)
        #expect(normal.filter { $0.title.hasPrefix("b ") }.count == 1)
        #expect(render(folded) { $0.flameChart = true }.contains(">Flame Chart<"))
        // A frame narrower than --minwidth is pruned.
        let pruned = try FrameReader.read(render("a;wide 100000\na;tiny 1\n") { $0.minWidth = 1 })
        #expect(!pruned.contains { $0.title.hasPrefix("tiny ") })
    }

    @Test func everyPaletteRendersWellFormed() throws {
        for p in Palette.all {
            let svg = render(
                "java;Lorg/a;.b_[j];c::d;e_[k] 3\nmain;runtime.gcBgMarkWorker;runtime.gcDrain 2\nmain;runtime.gcAssistAlloc 1\n"
            ) { $0.colors = p }
            let frames = try FrameReader.read(svg)
            #expect(frames.count == 10, "\(p)")  // root + 9
            #expect(!frames.contains { $0.fill == "rgb(0,0,0)" }, "\(p): unknown colour")
        }
    }

    @Test func goPaletteTellsGCWorkApart() {
        #expect(GoFrameKind("runtime.gcBgMarkWorker") == .gcMark)
        #expect(GoFrameKind("runtime.gcAssistAlloc") == .gcAssist)
        #expect(GoFrameKind("runtime.bgsweep") == .sweep)
        #expect(GoFrameKind("runtime.mallocgc") == .runtime)
        #expect(GoFrameKind("main.Map[...]") == .user)
        #expect(GoFrameKind("do_syscall_64_[k]") == .kernel)
        #expect(GoFrameKind("runtime.cgocall") == .cgo)
        #expect(GoFrameKind("memcpy") == .cgo)
    }

    @Test func noInputGivesAnErrorImage() {
        var fg = FlameGraph()
        let svg = fg.render(folded: "not folded\n")
        #expect(svg.contains("ERROR: No valid input"))
        #expect(fg.warnings.contains { $0.contains("Ignored 1 lines") })
    }
}
