import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Collapse
import PerfData

#if canImport(Glibc)
import Glibc
#endif

/// Names far longer than any real one (issue 22; Fixtures/hostile, made by Fixtures/generate-hostile.sh
/// with scripts/hostile/perfgen.py and elfgen.py): cut to NameLimit.maxBytes in folded text, script
/// text and JSON, with `…[+N bytes]`; `script` writes a sample frame by frame.
@Suite struct HostileNameTests {
    static func path(_ name: String) -> String {
        Paths.fixtures.appendingPathComponent("hostile").appendingPathComponent(name).path
    }

    static func options(symfs: String? = nil) -> PerfCollapseOptions {
        var o = PerfCollapseOptions()
        o.useRunningKernel = false
        o.binaries.symfs = symfs
        o.binaries.captureFolder = nil
        return o
    }

    /// The script output of `file` into a temporary file (past OutputBuffer's threshold, as a pipe
    /// would take it); its bytes.
    static func script(_ file: PerfFile, _ o: PerfCollapseOptions, json: Bool = false) throws -> [UInt8] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-names-\(UUID().uuidString)")
            .path
        defer { unlink(out) }
        let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        var buf = OutputBuffer(fd: fd, flushThreshold: 1 << 20)
        var w = PerfScriptWriter(options: o)
        w.json = json
        try w.write(file, to: &buf)
        buf.flush()
        close(fd)
        return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    static func lines(_ b: [UInt8]) -> [Substring] { String(decoding: b, as: UTF8.self).split(separator: "\n") }

    /// A 60,000-byte mapped file name on a sample of 1,000 frames: each frame's name (folded) and module
    /// (script, JSON) cut to 4,096 bytes and `…[+55904 bytes]`; never the 60 MB that printing it whole
    /// per frame makes.
    @Test func longMappedFileName() throws {
        let start = ThreadCPUClock()
        let file = try PerfFile(file: openInput(Self.path("mmap-long-name.data.zst")))
        var c = PerfCollapser(options: Self.options())
        try c.collapse(file)
        let folded = c.folded()
        #expect(folded.count < 1_001 * 4_200)
        let frames = String(decoding: folded, as: UTF8.self).split(separator: ";")
        #expect(frames.count == 1_001)
        let cut = "[" + String(repeating: "n", count: NameLimit.maxBytes - 1) + "…[+55904 bytes]]"
        #expect(frames[1] == cut, "\(frames[1].suffix(40))")
        #expect(frames[1_000] == cut + " 4000000\n")

        let text = try Self.script(file, Self.options())
        let module = "/" + String(repeating: "n", count: NameLimit.maxBytes - 1) + "…[+55904 bytes]"
        #expect(text.count { $0 == 0x0a } == 1_002)
        #expect(text.count < 1_000 * 4_200)
        let first = text.split(separator: 0x0a, maxSplits: 2)[1]
        #expect(String(decoding: first, as: UTF8.self).hasSuffix(" [unknown] (\(module))"))
        let json = try Self.script(file, Self.options(), json: true)
        #expect(json.count < 1_000 * 4_300)
        #expect(String(decoding: json.prefix(40_000), as: UTF8.self).contains("\"module\":\"\(module)\""))
        #expect(start.seconds < 10)
    }

    /// The cut itself: names up to maxBytes + slack unchanged; longer ones cut at a character boundary
    /// (a 3-byte character across the limit is left out whole), with the bytes left out counted.
    @Test func cutKeepsCharactersWhole() {
        let fits = String(repeating: "a", count: NameLimit.maxBytes + NameLimit.slack)
        #expect(NameLimit.limited(fits) == fits)
        let long = String(repeating: "a", count: NameLimit.maxBytes - 1) + String(repeating: "€", count: 100)
        let cut = NameLimit.limited(long)
        #expect(cut == String(repeating: "a", count: NameLimit.maxBytes - 1) + "…[+300 bytes]")
        #expect(NameLimit.limited(Array(long.utf8)) == Array(cut.utf8))
    }
}
