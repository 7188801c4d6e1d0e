import Testing
@testable import BinaryIO

@Suite struct ByteCursorTests {
    @Test func readsLittleAndBigEndian() throws {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        try bytes.withUnsafeBytes { raw throws in
            var le = ByteCursor(raw, order: .little)
            #expect(try le.u32() == 0x0403_0201)
            #expect(try le.u16() == 0x0605)
            var be = ByteCursor(raw, order: .big)
            #expect(try be.u64() == 0x0102_0304_0506_0708)
            #expect(be.isAtEnd)
        }
    }

    @Test func truncatedReadNamesOffsetAndWhat() throws {
        let bytes: [UInt8] = [1, 2, 3]
        bytes.withUnsafeBytes { raw in
            var c = ByteCursor(raw, origin: 100)
            _ = try? c.u8()
            do {
                _ = try c.u32("record size")
                Issue.record("expected a throw")
            } catch let error as ReadError {
                #expect(error.offset == 101)
                #expect(error.what == "record size")
                #expect(error.kind == .truncated(needed: 4, available: 2))
                #expect(error.description.contains("offset 101"))
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func leb128MatchesKnownEncodings() throws {
        // DWARF spec examples: 624485 = e5 8e 26; -123456 = c0 bb 78.
        let u: [UInt8] = [0xe5, 0x8e, 0x26]
        let s: [UInt8] = [0xc0, 0xbb, 0x78]
        try u.withUnsafeBytes { raw throws in
            var c = ByteCursor(raw)
            #expect(try c.uleb128() == 624485)
        }
        try s.withUnsafeBytes { raw throws in
            var c = ByteCursor(raw)
            #expect(try c.sleb128() == -123456)
        }
        let overlong = [UInt8](repeating: 0xff, count: 11)
        try overlong.withUnsafeBytes { raw throws in
            var c = ByteCursor(raw)
            #expect(throws: ReadError.self) { try c.uleb128() }
        }
    }

    @Test func subCursorKeepsAbsoluteOffsets() throws {
        let bytes = [UInt8](0..<32)
        try bytes.withUnsafeBytes { raw throws in
            var c = ByteCursor(raw)
            try c.skip(8)
            var s = try c.sub(4)
            #expect(s.offset == 8)
            #expect(try s.u8() == 8)
            #expect(c.offset == 12)
            #expect(throws: ReadError.self) { try s.u32() }
        }
    }

    @Test func cStringNeedsTerminator() throws {
        let bytes: [UInt8] = Array("go\0main".utf8)
        try bytes.withUnsafeBytes { raw throws in
            var c = ByteCursor(raw)
            #expect(try c.cString() == "go")
            #expect(throws: ReadError.self) { try c.cString() }
        }
    }
}
