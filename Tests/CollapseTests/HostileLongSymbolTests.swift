import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Collapse
import PerfData

/// A 1 MB symbol name on a sample of 8,000 frames (issue 22; Fixtures/hostile/long-symbol-stack.data.zst
/// and long-symbol-exec.elf.zst, made by Fixtures/generate-hostile.sh with perfgen.py and elfgen.py): the
/// ELF under a --symfs root as /usr/bin/longsym, named by perf 6.1 (`perf script --symfs`) with the whole
/// name on every frame. Here every frame's name is cut to 4,096 bytes and `…[+1044480 bytes]`, in folded
/// text and in `script` text and JSON. scripts/hostile/run-commands.sh runs every command on it with the
/// issue's bounds (10 s of CPU, 512 MB each).
@Suite struct HostileLongSymbolTests {
    static let cut = String(repeating: "L", count: NameLimit.maxBytes) + "…[+1044480 bytes]"

    /// A --symfs root holding usr/bin/longsym; removed by the caller.
    static func root() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-longsym-\(UUID().uuidString)")
        let bin = root.appendingPathComponent("usr/bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let z = try Data(contentsOf: URL(fileURLWithPath: HostileNameTests.path("long-symbol-exec.elf.zst")))
        try zstdDecompress(z, name: "long-symbol-exec.elf").write(to: bin.appendingPathComponent("longsym"))
        return root.path
    }

    @Test func oneMegabyteNameOnEightThousandFrames() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let start = ThreadCPUClock()
        let file = try PerfFile(file: openInput(HostileNameTests.path("long-symbol-stack.data.zst")))
        let o = HostileNameTests.options(symfs: root)
        var c = PerfCollapser(options: o)
        try c.collapse(file)
        let lines = String(decoding: c.folded(), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        let long = lines.max { $0.count < $1.count } ?? ""
        let frames = long.split(separator: ";")
        #expect(frames.count == 8_001, "\(frames.count)")
        #expect(frames.prefix(2) == ["work", "main"])
        #expect(frames.dropFirst(2).dropLast().allSatisfy { $0 == Self.cut })
        #expect(frames.last.map(String.init) == Self.cut + " 4000000", "\(frames.last?.suffix(40) ?? "")")

        let text = try HostileNameTests.script(file, o)
        #expect(text.count < 8_010 * 4_200)
        let frameLines = HostileNameTests.lines(text).filter { $0.hasSuffix(" (/usr/bin/longsym)") }
        #expect(frameLines.count == 8_006, "\(frameLines.count)")
        #expect(frameLines.filter { $0.contains(Self.cut + "+0x") }.count == 7_999 + 4)
        let json = try HostileNameTests.script(file, o, json: true)
        #expect(json.count < 8_010 * 4_300)
        #expect(String(decoding: json, as: UTF8.self).contains("\"\(Self.cut)\""))
        // The bounds (10 s of CPU, 512 MB per command) are checked by run-commands.sh; here only that it
        // ends in reasonable time on a loaded machine (minutes when each name was scanned by Character).
        #expect(start.seconds < 120)
    }
}
