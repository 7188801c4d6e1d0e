import Foundation
import Testing
import TestSupport
@testable import FlameSVG
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Frames as an SVG draws them: title, x, y, width, fill.
struct DrawnFrame: Hashable {
    var title: String
    var x: Double, y: Double, width: Double
    var fill: String
}

/// Reads every frame `<g>`/`<a>` of `#frames` with a real XML parser (so the SVG must be well-formed).
final class FrameReader: NSObject, XMLParserDelegate {
    var frames: [DrawnFrame] = []
    var inFrames = false
    var inTitle = false
    var title = ""
    var current: DrawnFrame?
    var error: Error?

    static func read(_ svg: String) throws -> [DrawnFrame] {
        let r = FrameReader()
        let p = XMLParser(data: Data(svg.utf8))
        p.delegate = r
        guard p.parse() else { throw p.parserError ?? r.error ?? NSError(domain: "svg", code: 1) }
        return r.frames
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes a: [String: String] = [:]
    ) {
        if name == "g", a["id"] == "frames" { inFrames = true }
        guard inFrames else { return }
        if name == "title" { inTitle = true; title = "" }
        if name == "rect" {
            current = DrawnFrame(title: title, x: Double(a["x"] ?? "") ?? .nan, y: Double(a["y"] ?? "") ?? .nan,
                                 width: Double(a["width"] ?? "") ?? .nan, fill: a["fill"] ?? "")
            frames.append(current!)
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inTitle { title += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "title" { inTitle = false }
    }
}

@Suite struct GeometryTests {
    /// Fixtures/peer (see Fixtures/README.md), unpacked.
    static let dir = try! PeerCorpus.directory()

    /// The SVGs flamegraph.pl --hash drew from the same folded input: every frame's position and width
    /// within half a pixel, same depth (y), same title and colour.
    @Test(arguments: ["perf-dd-stacks-01", "perf-numa-stacks-01", "perf-vertx-stacks-01"])
    func sameFramesAsFlamegraphPl(_ name: String) throws {
        let folded = try String(
            contentsOf: Self.dir.appendingPathComponent("expected/\(name)-collapsed-default.txt"), encoding: .utf8)
        let reference = try String(contentsOf: Self.dir.appendingPathComponent("svg/\(name).svg"), encoding: .utf8)
        var o = FlameGraphOptions()
        o.hash = true
        var fg = FlameGraph(options: o)
        let ours = try FrameReader.read(fg.render(folded: folded))
        let theirs = try FrameReader.read(reference)
        #expect(ours.count == theirs.count)
        #expect(ours.count > 10)
        // Match frames by title and y (a name can appear at several depths and places).
        var pool = Dictionary(grouping: theirs) { "\($0.title)@\($0.y)" }
        var unmatched: [DrawnFrame] = []
        for f in ours {
            let key = "\(f.title)@\(f.y)"
            if let i = pool[key]?.firstIndex(where: { abs($0.x - f.x) <= 0.5 && abs($0.width - f.width) <= 0.5 }) {
                #expect(pool[key]![i].fill == f.fill, "colour of \(f.title)")
                pool[key]!.remove(at: i)
            } else {
                unmatched.append(f)
            }
        }
        #expect(unmatched.isEmpty, "frames flamegraph.pl did not draw: \(unmatched.prefix(3))")
    }
}
