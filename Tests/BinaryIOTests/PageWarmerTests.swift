import Foundation
import Testing
import TestSupport
@testable import BinaryIO

/// `PageWarmer`: it maps the pages on its own thread, released pages leave the mapping, every byte read is
/// the file's either way, and the mapping outlives the thread.
@Suite struct PageWarmerTests {
    static let size = 24 << 20

    /// A temporary file of `size` bytes whose every 8-byte word holds its own offset.
    static func patternFile() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("stackfold-pagewarmer-\(UUID().uuidString)").path
        var words = [UInt64](repeating: 0, count: size / 8)
        for i in words.indices { words[i] = UInt64(i * 8) }
        try words.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
        return path
    }

    static func residentKB(_ file: MappedFile) -> Int? { MappingResidency.residentKB(file) }

    static func wordsMatch(_ file: MappedFile, _ range: Range<Int>) -> Bool {
        stride(from: range.lowerBound, to: range.upperBound, by: 8).allSatisfy {
            file.bytes.loadUnaligned(fromByteOffset: $0, as: UInt64.self) == UInt64($0)
        }
    }

    @Test func mapsThePagesOnItsOwnThread() throws {
        let path = try Self.patternFile()
        defer { unlink(path) }
        let file = try MappedFile(path: path)
        let before = try #require(Self.residentKB(file))
        #expect(before < 1024)
        let warmer = try #require(PageWarmer(file, range: 0..<file.count))
        // Nothing here reads the file: only the warmer can map it in.
        #expect(eventually { (Self.residentKB(file) ?? 0) >= Self.size / 1024 * 9 / 10 })
        #expect(Self.wordsMatch(file, 0..<file.count))
        withExtendedLifetime(warmer) {}
    }

    @Test func releasedPagesLeaveAndReadTheSame() throws {
        let path = try Self.patternFile()
        defer { unlink(path) }
        let file = try MappedFile(path: path)
        let warmer = try #require(PageWarmer(file, range: 0..<file.count))
        var at = 0
        while at < file.count {
            #expect(Self.wordsMatch(file, at..<(at + (1 << 20))))
            at += 1 << 20
            warmer.release(below: max(0, at - (2 << 20)))
        }
        // All but the last block is released: at most the last 10 MB stay mapped.
        #expect(eventually { (Self.residentKB(file) ?? .max) <= 10 << 10 })
        // A released page read again is the file's bytes.
        #expect(Self.wordsMatch(file, 0..<file.count))
        withExtendedLifetime(warmer) {}
    }

    @Test func smallOrCopiedFilesGetNoWarmer() throws {
        let path = try Self.patternFile()
        defer { unlink(path) }
        let file = try MappedFile(path: path)
        #expect(PageWarmer(file, range: 0..<(PageWarmer.minimumBytes - 1)) == nil)
        #expect(PageWarmer(file, range: 0..<(file.count + 1)) == nil)
        let copy = MappedFile(path: "copy", copying: [UInt8](repeating: 1, count: 32 << 20))
        #expect(PageWarmer(copy, range: 0..<copy.count) == nil)
    }

    /// A warmer dropped while its thread still runs: the thread holds the file, so its mapping stays
    /// until the thread has stopped (else the thread would fault on unmapped memory and crash the
    /// process), and then goes.
    @Test func theMappingOutlivesTheThread() throws {
        let path = try Self.patternFile()
        defer { unlink(path) }
        weak var lastFile: MappedFile?
        for _ in 0..<20 {
            let file = try MappedFile(path: path)
            lastFile = file
            _ = PageWarmer(file, range: 0..<file.count)
        }
        // Stopped threads let their files go.
        #expect(eventually { lastFile == nil })
    }
}
