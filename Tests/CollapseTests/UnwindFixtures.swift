import CZstd
import Foundation
import Testing
@testable import Collapse
import PerfData
import Symbolize

/// The `--call-graph dwarf` captures of Fixtures/unwind (generate-unwind.sh), decompressed on first use into
/// `$TMPDIR/stackfold-fixtures/`, and what the tests compare with.
enum UnwindFixtures {
    static let dir = Paths.fixtures.appendingPathComponent("unwind")

    /// The capture `name` (without `.zst`), decompressed.
    static func data(_ name: String) throws -> PerfFile {
        let out = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("stackfold-fixtures/unwind-\(name)")
        if !FileManager.default.fileExists(atPath: out.path) {
            try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
            // A name of its own per writer: tests run in parallel, and a file already mapped is never rewritten.
            let tmp = out.path + ".tmp-" + UUID().uuidString
            try decompress(dir.appendingPathComponent(name + ".zst")).write(to: URL(fileURLWithPath: tmp))
            _ = rename(tmp, out.path)
        }
        return try PerfFile(path: out.path)
    }

    static func decompress(_ url: URL) throws -> Data {
        let src = try Data(contentsOf: url)
        return try src.withUnsafeBytes { s throws -> Data in
            let size = ZSTD_getFrameContentSize(s.baseAddress, s.count)
            guard size < 1 << 30 else { throw CocoaError(.fileReadCorruptFile) }
            var out = Data(count: Int(size))
            let n = out.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, $0.count, s.baseAddress, s.count) }
            guard ZSTD_isError(n) == 0, n == Int(size) else { throw CocoaError(.fileReadCorruptFile) }
            return out
        }
    }

    /// Options that find binaries in this clone only (by build-id under Fixtures/bin), never on this machine.
    static func options() -> PerfCollapseOptions {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin").path]
        o.useRunningKernel = false
        return o
    }

    /// Every sample's unwind, in perf's order, with the collapser that made it (for symbolizing). A sample
    /// without user registers or stack (a kernel thread's) gives no entries and stop `noRule`.
    static func unwinds(_ name: String, _ body: (Sample, [UnwoundEntry], UnwindStop, inout PerfCollapser, ProcessModel) -> Void) throws {
        let file = try data(name)
        var c = PerfCollapser(options: options())
        var model = ProcessModel(file: file)
        var it = file.orderedRecords()
        while let rec = it.next() {
            guard rec.type == .sample else {
                model.process(rec, in: file)
                continue
            }
            let s = try file.sample(rec)
            let (entries, stop) = c.unwind(s, file: file, model: model) ?? ([], .noRule)
            body(s, entries, stop, &c, model)
        }
        if let e = it.error { throw e }
    }

    /// `perf script`'s callchains, one per sample in order: per frame the address it printed and its dso.
    /// Consecutive lines with one address are one frame (its inlined functions first); a frame printed only
    /// as inlined lines (perf 6.1 does so for some libc addresses) has dso "(inlined)".
    static func perfScript(_ name: String) throws -> [[(address: UInt64, dso: String)]] {
        let text = String(decoding: try decompress(dir.appendingPathComponent(name + ".script.txt.zst")), as: UTF8.self)
        var out: [[(UInt64, String)]] = []
        for block in text.components(separatedBy: "\n\n") where !block.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            var frames: [(UInt64, String)] = []
            for line in block.split(separator: "\n").dropFirst() {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard let sp = t.firstIndex(of: " "), let a = UInt64(t[..<sp], radix: 16), let open = t.lastIndex(of: "(") else { continue }
                let dso = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
                if let last = frames.last, last.0 == a {
                    if last.1 == "inlined" { frames[frames.count - 1].1 = dso }
                } else {
                    frames.append((a, dso))
                }
            }
            out.append(frames.map { ($0.0, $0.1 == "inlined" ? "(inlined)" : $0.1) })
        }
        return out
    }
}
