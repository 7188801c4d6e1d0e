import BinaryIO
import Collapse
import Foundation
import PerfData
import Pprof
import SwiftProtobuf
import Testing

/// `Function.start_line` against the Go runtime: Fixtures/pprof/startline/go1.NN holds a Go program, a
/// perf capture of its run and the runtime/pprof profiles it wrote meanwhile (generate-pprof-startline.sh).
/// Every function named both by stackfold's profile of the capture and by the runtime's profiles must
/// have the runtime's start line.
@Suite struct StartLineTruthTests {
    static func load(_ url: URL) throws -> [UInt8] {
        let file = try openInput(url.path)  // gzip or zstd: decompressed
        return withExtendedLifetime(file) { [UInt8](file.bytes) }
    }

    static func startLines(_ p: Perftools_Profiles_Profile) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for f in p.function { out[p.stringTable[Int(f.systemName != 0 ? f.systemName : f.name)]] = f.startLine }
        return out
    }

    @Test(arguments: ["go1.21", "go1.27"])
    func startLinesAreTheRuntimes(_ v: String) throws {
        let dir = Paths.fixtures.appendingPathComponent("pprof/startline/\(v)")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-startline-\(v)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (src, dst) in [("prog.zst", "prog"), ("prog.data.zst", "prog.data")] {
            try Data(Self.load(dir.appendingPathComponent(src))).write(to: tmp.appendingPathComponent(dst))
        }
        var o = WriteTests.options()
        o.binaries.searchDirs = [tmp.path]
        let r = try PprofWriter.profile(perf: try PerfFile(path: tmp.appendingPathComponent("prog.data").path), options: o)
        let ours = Self.startLines(r.profile)
        #expect(ours.values.filter { $0 > 0 }.count >= 20, "\(v): start lines written")
        var compared = Set<String>()
        var mismatches: [String] = []
        for kind in ["cpu", "heap", "goroutine"] {
            let go = try Perftools_Profiles_Profile(serializedBytes: Self.load(dir.appendingPathComponent("\(kind).pprof")))
            for (name, line) in Self.startLines(go) {
                guard let mine = ours[name] else { continue }
                compared.insert(name)
                if mine != line { mismatches.append("\(name): ours \(mine), runtime \(line)") }
            }
        }
        // main.hot and its inlined helpers main.mid and main.leaf among them.
        #expect(compared.isSuperset(of: ["main.hot", "main.mid", "main.leaf", "runtime.main"]), "\(v): \(compared.sorted())")
        #expect(compared.count >= 10, "\(v): \(compared.count) functions in both")
        #expect(mismatches.isEmpty, "\(v): \(mismatches)")
    }
}
