import Foundation
import Testing
@testable import FlameSVG

/// Script.swift is generated from the .js files (scripts/embed-js.sh): the two must not drift apart.
@Suite struct EmbeddedScriptTests {
    static let js = Paths.root.appendingPathComponent("Sources/FlameSVG/js")

    @Test(arguments: ["flamegraph.js", "timeline.js"])
    func scriptIsItsJavaScriptFile(_ name: String) throws {
        let file = try String(contentsOf: Self.js.appendingPathComponent(name), encoding: .utf8)
        let embedded = name == "flamegraph.js" ? Script.source : Script.timeline
        #expect(embedded + "\n" == file, "Script.swift is out of date: run scripts/embed-js.sh")
    }
}
