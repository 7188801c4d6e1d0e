import Foundation
import Testing
@testable import Collapse

/// `stackfold diff` against FlameGraph's difffolded.pl: the expected files are its output, sorted
/// (commands in Fixtures/README.md), for two real profiles and for an input built to hit its edge cases
/// (decimal counts, hex addresses, whitespace inside names, a count beyond 2^63).
@Suite struct DiffTests {
    static let dir = Paths.fixtures.appendingPathComponent("diff")

    static func diff(_ a: String, _ b: String, normalize: Bool, stripHex: Bool) throws -> [String] {
        var o = FoldedDiff.Options()
        o.normalize = normalize
        o.stripHex = stripHex
        var d = FoldedDiff(options: o)
        for (i, name) in [a, b].enumerated() {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(name))
            bytes.withUnsafeBytes { d.add($0, profile: i) }
        }
        #expect(d.skippedLines == [0, 0])
        return String(decoding: d.render(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test(arguments: [("go1.25.folded", "go1.27.folded", "go"), ("edge-a.folded", "edge-b.folded", "edge")])
    func sameAsDifffolded(_ a: String, _ b: String, _ tag: String) throws {
        for (flags, n, s) in [("", false, false), ("-n", true, false), ("-s", false, true), ("-n-s", true, true)] {
            let expected = try String(
                contentsOf: Self.dir.appendingPathComponent("expected-\(tag)\(flags).txt"), encoding: .utf8
            )
            .split(separator: "\n").map(String.init)
            let got = try Self.diff(a, b, normalize: n, stripHex: s)
            // difffolded.pl prints in hash order; the expected files were sorted bytewise, as is this.
            let sortedGot = got.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            #expect(sortedGot == expected, "\(tag) \(flags)")
            let stacks = got.map { line -> [UInt8] in
                let u = Array(line.utf8)
                let second = u.lastIndex(of: 0x20)!
                return Array(u[..<u[..<second].lastIndex(of: 0x20)!])
            }
            #expect(zip(stacks, stacks.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }, "sorted by stack")
        }
    }

    @Test func linesWithoutCountAreSkippedAndCounted() {
        var d = FoldedDiff()
        let text = Array("a;b 3\n\nno count here\na;b 2\n  \n".utf8)
        text.withUnsafeBytes { d.add($0, profile: 0) }
        #expect(d.skippedLines == [2, 0])  // the blank line is not counted, the whitespace-only one is
        #expect(String(decoding: d.render(), as: UTF8.self) == "a;b 5 0\n")
    }

    @Test func outputIsDeterministic() throws {
        let first = try Self.diff("go1.25.folded", "go1.27.folded", normalize: true, stripHex: false)
        for _ in 0..<3 {
            #expect(try Self.diff("go1.25.folded", "go1.27.folded", normalize: true, stripHex: false) == first)
        }
    }
}
