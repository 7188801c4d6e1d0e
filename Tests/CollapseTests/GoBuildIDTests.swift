import Foundation
import Testing
import TestSupport
@testable import Collapse
import PerfData
@testable import Symbolize

/// Go binaries checked by their Go build ID when their GNU build-id note is gone: the Go linker derives the
/// GNU build-id from the Go build ID (checked for Go 1.25+), so the build-id perf recorded still identifies them.
@Suite struct GoBuildIDTests {
    static func bin(_ path: String) -> String { Paths.fixtures.appendingPathComponent("bin/\(path)").path }

    /// SHA-256 against FIPS 180-4's examples (one block, two blocks).
    @Test func sha256KnownAnswers() {
        #expect(
            GoBuildID.hex(SHA256.hash(Array("abc".utf8))[...])
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            GoBuildID.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))[...])
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            GoBuildID.hex(SHA256.hash([])[...]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// The derivation is the Go linker's: on every fixture binary with both notes, the GNU build-id the
    /// linker wrote is the one derived from its Go build ID. Go 1.24 hashed otherwise: not matched.
    @Test(arguments: ["go1.25/workload", "go1.25/workload-pie", "go1.25/tasks", "go1.25/leaves",
                      "go1.27/workload", "go1.27/workload-sw"])
    func derivedIsWhatTheLinkerWrote(_ path: String) throws {
        let elf = try ELFFile(path: Self.bin(path))
        let gnu = try #require(elf.buildID)
        let derived = GoBuildID.gnuBuildIDs(fromGoBuildID: try #require(elf.goBuildID()))
        #expect(derived == [gnu])
    }

    @Test func go124IsNotDerived() throws {
        let elf = try ELFFile(path: Self.bin("go1.24/workload"))
        #expect(
            !GoBuildID.gnuBuildIDs(fromGoBuildID: try #require(elf.goBuildID())).contains(try #require(elf.buildID)))
    }

    /// A fixture binary without its GNU note, rebuilt from its zstd patch into a folder of its own as `workload`.
    static func withoutGNUNote(_ version: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-nognu-\(version)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let patch = try Data(
            contentsOf: Paths.fixtures.appendingPathComponent("corners/workload-go\(version)-nognu.zst"))
        let base = try Data(contentsOf: URL(fileURLWithPath: bin("go\(version)/workload")))
        try zstdDecompress(patch, reference: base, name: "workload-go\(version)-nognu").write(
            to: dir.appendingPathComponent("workload"))
        return dir.path
    }

    static func fold(_ configure: (inout PerfCollapseOptions) -> Void) throws -> (folded: String, warnings: [String]) {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.useRunningKernel = false
        o.elfNames = true
        configure(&o)
        var c = PerfCollapser(options: o)
        try c.collapse(try PerfFile(path: Paths.fixtures.appendingPathComponent("perf/go1.25-fp-mono.data").path))
        return (String(decoding: c.folded(), as: UTF8.self), c.warnings.filter { !$0.hasPrefix("kernel frames") })
    }

    /// go1.25's binary without its GNU note is found for the capture (which recorded the GNU build-id) and
    /// folds as the original; go1.27's, put at the recorded path, is refused by name.
    @Test func noteLessBinaryIsMatchedByItsGoBuildID() throws {
        let right = try Self.withoutGNUNote("1.25")
        defer { try? FileManager.default.removeItem(atPath: right) }
        #expect(try ELFFile(path: right + "/workload").buildID == nil)
        let ours = try Self.fold { $0.binaries.searchDirs = [right] }
        let original = try Self.fold { $0.binaries.searchDirs = [Self.bin("go1.25")] }
        #expect(ours.folded == original.folded)
        #expect(ours.warnings == original.warnings)
        #expect(ours.folded.contains("main.hashLoop"))

        let wrong = try Self.withoutGNUNote("1.27")
        defer { try? FileManager.default.removeItem(atPath: wrong) }
        let root = wrong + "/root"
        try FileManager.default.createDirectory(
            atPath: root + "/work/main/Fixtures/bin/go1.25", withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            atPath: wrong + "/workload", toPath: root + "/work/main/Fixtures/bin/go1.25/workload")
        let r = try Self.fold { $0.binaries.symfs = root }
        #expect(!r.folded.contains("main.hashLoop"))
        #expect(
            r.warnings.contains {
                $0.contains("no GNU build-id, and its Go build ID") && $0.contains("derives another")
            })
        #expect(
            r.warnings.contains {
                $0.hasPrefix("/work/main/Fixtures/bin/go1.25/workload (build-id ")
                    && $0.contains("no matching binary found")
            })
    }
}
