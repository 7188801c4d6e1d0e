import BinaryIO
import Foundation
import TestSupport
@testable import Collapse
import PerfData

/// The C fixture captures of issue 18's perf-script corners (Fixtures/script-corners, script-aliases):
/// perf script's own text of a capture, and stackfold's `script --elf-names --no-inline` of it.
enum CFixtureScript {
    /// perf's text `name.zst` in `dir`, with the frames of the modules whose dso column ends in one of
    /// `absent` (libc `.so.6)`, ld.so `.so.2)`: not in the repository) as stackfold names them without them.
    static func perfText(_ dir: URL, _ name: String, absent: [String]) throws -> [String] {
        let data = try Data(contentsOf: dir.appendingPathComponent(name + ".zst"))
        let text = String(decoding: try zstdDecompress(data, name: name), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.hasPrefix("\t"), absent.contains(where: { line.hasSuffix($0) }) else { return String(line) }
            let lead = line.prefix { $0 == "\t" || $0 == " " }
            let hex = line.dropFirst(lead.count).prefix { $0 != " " }
            let module = line[line.range(of: " (/", options: .backwards)!.lowerBound...]
            return "\(lead)\(hex) [unknown]\(module)"
        }
    }

    /// stackfold's script of `name.zst` in `dir`: binaries from Fixtures/bin/c only (never the recorded
    /// paths or /tmp), no running kernel, perf's ELF names, no inlines, chains as recorded.
    static func script(_ dir: URL, _ name: String, maxStack: Int?, captureFolder: String?) throws
        -> (text: String, warnings: [String])
    {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"  // neither the recorded paths nor /tmp
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/c").path]
        o.binaries.captureFolder = captureFolder
        o.useRunningKernel = false
        o.elfNames = true
        o.inlines = false
        o.recordedStacks = true
        o.maxStack = maxStack
        var w = PerfScriptWriter(options: o)
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(try PerfFile(file: try openInput(dir.appendingPathComponent(name + ".zst").path)), to: &out)
        return (String(decoding: out.take(), as: UTF8.self), w.warnings)
    }
}
