import Foundation
import Symbolize
import Testing

/// `addr2line --json`'s value: the address in hex, and each frame's function, file and line, innermost
/// first, read back with JSONSerialization; names that are not clean text stay inside their strings.
@Suite struct SymbolizedAddressTests {
    @Test func encodesFramesInOrder() throws {
        let nasty = "main.(*T).f\"\\\n\u{1b}[2J\u{0}"
        let frames = [
            SourceFrame(function: nasty, file: "/src/a b/x.go", line: 12, isInlined: true, offset: 7),
            SourceFrame(function: "main.main", file: "??", line: 0, isInlined: false),
        ]
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try e.encode(SymbolizedAddress(address: 0x4a1b2c, frames: frames))
        #expect(!data.contains(0x0a) && !data.contains(0x1b) && !data.contains(0))
        let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(o["addr"] as? String == "0x4a1b2c")
        let f = try #require(o["frames"] as? [[String: Any]])
        #expect(f.map { $0["function"] as? String } == [nasty, "main.main"])
        #expect(f.map { $0["file"] as? String } == ["/src/a b/x.go", "??"])
        #expect(f.map { ($0["line"] as? NSNumber)?.intValue } == [12, 0])
        #expect(f.allSatisfy { Set($0.keys) == ["function", "file", "line"] })
        let empty = try e.encode(SymbolizedAddress(address: 0, frames: []))
        #expect(String(decoding: empty, as: UTF8.self) == #"{"addr":"0x0","frames":[]}"#)
    }
}
