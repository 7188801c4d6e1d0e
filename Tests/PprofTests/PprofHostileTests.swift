import BinaryIO
import Foundation
import Pprof
import SwiftProtobuf
import Testing

/// Malformed, truncated and hostile profiles: a clear error naming the input, never a trap, and bounded
/// memory. The malformed files are made by Fixtures/generate-pprof-go.sh, which also records that
/// go tool pprof refuses each (Fixtures/pprof/malformed/pprof-errors.txt).
@Suite struct PprofHostileTests {
    static let dir = Paths.fixtures.appendingPathComponent("pprof/malformed")

    static func read(_ name: String) throws -> PprofProfile {
        let path = dir.appendingPathComponent(name).path
        let f = try openInput(path)
        return try PprofProfile(bytes: f.bytes, path: path)
    }

    /// Each message breaks one of google/pprof's checks; the error says which.
    @Test(arguments: [
        ("string-table-0.pb", "string_table[0]"),
        ("string-index.pb", "outside the string table"),
        ("location-id-0.pb", "reserved id 0"),
        ("location-missing.pb", "no location has"),
        ("function-missing.pb", "no function has"),
        ("values-count.pb", "2 values for 1 sample types"),
        ("duplicate-function.pb", "more than one function has id 1"),
    ])
    func malformedProfilesFailAsPprofDoes(_ name: String, _ why: String) throws {
        let pprofErrors = try String(contentsOf: Self.dir.appendingPathComponent("pprof-errors.txt"), encoding: .utf8)
        #expect(pprofErrors.contains(name + "\t"))  // pprof refused it too
        let path = Self.dir.appendingPathComponent(name).path
        let f = try openInput(path)
        #expect(PprofProfile.isProfile(f.bytes))
        do {
            _ = try PprofProfile(bytes: f.bytes, path: path)
            Issue.record("\(name) was read")
        } catch {
            #expect(error.description.hasPrefix(path + ": not a valid pprof profile: "))
            #expect(error.description.contains(why), "\(error)")
        }
    }

    @Test func cutProfilesAreErrors() throws {
        // A gzip cut short: openInput says so.
        #expect(throws: FileError.self) { _ = try openInput(Self.dir.appendingPathComponent("cut-gzip.pprof").path) }
        // A protobuf cut inside a field: not taken for a profile, and an error when read as one.
        let path = Self.dir.appendingPathComponent("cut-proto.pb").path
        let f = try openInput(path)
        #expect(!PprofProfile.isProfile(f.bytes))
        #expect(throws: PprofError.self) { _ = try PprofProfile(bytes: f.bytes, path: path) }
    }

    @Test func gzipBombStopsAtTheDecompressionBound() throws {
        let path = Self.dir.appendingPathComponent("bomb.pprof").path
        do {
            _ = try openInput(path)
            Issue.record("100 MB from 97 KB was decompressed")
        } catch {
            #expect(error.message.contains("decompresses to more than"))
        }
    }

    /// Samples of one value and no location are 4 bytes each and tens of bytes decoded: the bound
    /// refuses them before decoding.
    @Test func manyEmptySamplesAreRefusedBeforeDecoding() throws {
        var bytes: [UInt8] = [0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]  // sample_type {type: 1 unit: 2}
        for _ in 0..<200_000 { bytes += [0x12, 0x02, 0x10, 0x01] }  // sample {value: 1}
        bytes += [0x32, 0x00, 0x32, 0x01, 0x78, 0x32, 0x01, 0x79]  // string_table "", "x", "y"
        try bytes.withUnsafeBytes { b in
            #expect(PprofProfile.isProfile(b))
            #expect(throws: PprofError.self) { _ = try PprofProfile(bytes: b, path: "many", memoryLimit: 16 << 20) }
            let p = try PprofProfile(bytes: b, path: "many")
            #expect(p.sampleCount == 200_000)
            #expect(p.stacks(index: 0).folded().text.isEmpty)  // no frames: nothing to fold
            #expect(TopTable(p.stacks(index: 0)).total == 200_000 && TopTable(p.stacks(index: 0)).rows.isEmpty)
        }
    }

    /// Values at Int64's ends: sums saturate, negative values are counted and left out of folded text.
    @Test func extremeValuesSaturate() throws {
        var p = Perftools_Profiles_Profile()
        p.stringTable = ["", "samples", "count", "main.f", "main.g"]
        var t = Perftools_Profiles_ValueType()
        t.type = 1
        t.unit = 2
        p.sampleType = [t]
        for (i, name) in [3, 4].enumerated() {
            var f = Perftools_Profiles_Function()
            f.id = UInt64(i + 1)
            f.name = Int64(name)
            p.function.append(f)
            var l = Perftools_Profiles_Location()
            l.id = UInt64(i + 1)
            var line = Perftools_Profiles_Line()
            line.functionID = UInt64(i + 1)
            l.line = [line]
            p.location.append(l)
        }
        for v in [Int64.max, .max, .min, -5] {
            var s = Perftools_Profiles_Sample()
            s.locationID = [1, 2]
            s.value = [v]
            p.sample.append(s)
        }
        let bytes: [UInt8] = try p.serializedBytes()
        let r = try bytes.withUnsafeBytes { try PprofProfile(bytes: $0, path: "extreme") }
        let (text, negative) = r.stacks(index: 0).folded()
        #expect(String(decoding: text, as: UTF8.self) == "main.g;main.f 18446744073709551614\n")
        #expect(negative == 2)
        let table = TopTable(r.stacks(index: 0))
        #expect(table.total == .max)
        _ = TopText.render(table)
    }

    /// Text inputs are not taken for profiles.
    @Test func textIsNotAProfile() {
        for s in ["main;f 1\n", "perf 123 [000] 1.0: cpu-clock:\n", "2;x 3\n", "Z\n", ""] {
            #expect(!Array(s.utf8).withUnsafeBytes { PprofProfile.isProfile($0) }, "\(s)")
        }
    }
}
