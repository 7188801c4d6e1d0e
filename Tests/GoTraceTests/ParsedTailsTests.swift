import CZstd
import Foundation
@testable import GoTrace
import Testing

/// `gotrace --parsed` against `go tool trace -d=parsed` byte for byte, tails included: RangeEnd
/// `Attributes=[…]` and the `Trace=… Mono=… Wall=…` of Go ≥ 1.25 Syncs (Fixtures/generate-parsed.sh).
@Suite struct ParsedTailsTests {
    static let dir = Paths.fixtures.appendingPathComponent("gotrace")

    /// Every trace under Fixtures/gotrace: the whole output, as the command writes it, equals Go's.
    @Test func everyFixtureTraceIsGoToolTraceByteForByte() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.dir.path)
            .filter { $0.hasSuffix(".trace") }.map { String($0.dropLast(6)) }.sorted()
        #expect(names.count >= 25)
        var attributes = 0, snapshots = 0
        for name in names {
            let expected = try AgainstGoTests.reference(name)
            let data = try Data(contentsOf: Self.dir.appendingPathComponent("\(name).trace"))
            let t = try data.withUnsafeBytes { try GoTrace(bytes: $0, keepParsedLines: true) }
            let ours = t.parsedLines.map { $0 + "\n" }.joined(), theirs = expected.map { $0 + "\n" }.joined()
            #expect(Array(ours.utf8) == Array(theirs.utf8), "\(name)")
            if ours != theirs,
                let i = t.parsedLines.indices.first(where: { $0 >= expected.count || t.parsedLines[$0] != expected[$0] }
                )
            {
                Issue.record(
                    "\(name) line \(i + 1):\nours:   \(t.parsedLines[i])\ntheirs: \(i < expected.count ? expected[i] : "(none)")"
                )
            }
            attributes += expected.filter { $0.contains(" Attributes=[\"bytes swept\"=") }.count
            snapshots += expected.filter { $0.contains(" Sync ") && $0.contains(" Wall=") }.count
        }
        // The tails are there to compare: sweeps in every trace, snapshots in Go ≥ 1.25's.
        #expect(attributes > 1000 && snapshots >= 9)
    }

    /// A snapshot's wall time as Go formats it (Fixtures/gotime: `time.Unix(sec, nsec).UTC()`,
    /// RFC 3339 with nanoseconds), for ordinary, edge and random 64-bit values: none traps.
    @Test func wallClockIsGoRFC3339Nano() throws {
        let text = try String(contentsOf: Paths.fixtures.appendingPathComponent("gotime/wall.txt"), encoding: .utf8)
        var n = 0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            let (sec, nsec) = (try #require(UInt64(f[0])), try #require(UInt64(f[1])))
            #expect(
                goRFC3339NanoUTC(sec: Int64(bitPattern: sec), nsec: Int64(bitPattern: nsec)) == String(f[2]),
                "\(sec) \(nsec)")
            n += 1
        }
        #expect(n >= 500)
    }
}
