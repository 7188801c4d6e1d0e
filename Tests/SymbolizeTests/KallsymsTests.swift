import Foundation
@testable import Symbolize
import Testing

@Suite struct KallsymsTests {
    static func subset() throws -> KernelSymbols {
        let text = try String(contentsOf: Paths.fixtures.appendingPathComponent("perf/kallsyms-subset.txt"), encoding: .utf8)
        return try #require(KernelSymbols(text: text))
    }

    /// `bytes` as a cache file, opened (nil when refused).
    static func cache(_ bytes: [UInt8], _ tag: String) throws -> SortedKernelSymbols? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-kallsyms-\(getpid())-\(tag).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(bytes).write(to: url)
        return SortedKernelSymbols(path: url.path)
    }

    /// The per-boot cache (binary, searched in place) answers exactly as the parsed file does, at every
    /// symbol's start, just before it and at random addresses.
    @Test func sortedCacheAnswersLikeTheParsedFile() throws {
        let parsed = try Self.subset()
        let bytes = try #require(parsed.cacheBytes())
        let cached = try #require(try Self.cache(bytes, "sorted"))
        #expect(parsed.count > 100 && cached.count == parsed.count)
        #expect(parsed.address(of: "_text") == 0xffff_ffff_8100_0000)
        #expect(cached.address(of: "_text") == parsed.address(of: "_text"))
        #expect(cached.address(of: "no_such_symbol") == nil)
        var probes = (0..<parsed.count).flatMap { i -> [UInt64] in
            let a = parsed.addresses[i]
            return [a, a &- 1, a &+ 1]
        }
        var rng = SystemRandomNumberGenerator()
        probes += (0..<2000).map { _ in UInt64.random(in: 0xffff_ffff_80ff_0000...0xffff_ffff_8300_0000, using: &rng) }
        for a in probes + [0, 0x1000, .max] {
            let p = parsed.symbolAndStart(at: a), c = cached.symbolAndStart(at: a)
            #expect(p?.name == c?.name && p?.start == c?.start, "\(String(a, radix: 16))")
        }
        #expect(parsed.symbol(at: 0x1000) == nil)
    }

    /// A damaged or hostile cache is refused, or answers without reading outside the file: another magic
    /// (the former text cache), a count larger than the file holds, a name outside the names, a file cut
    /// short, unsorted entries.
    @Test func damagedCacheIsRefusedOrBounded() throws {
        let good = try #require(try Self.subset().cacheBytes())
        let count = Int(UInt64(littleEndian: good[8..<16].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
        func with(_ offset: Int, _ v: UInt64, _ bytes: [UInt8] = good) -> [UInt8] {
            var b = bytes
            withUnsafeBytes(of: v.littleEndian) { b.replaceSubrange(offset..<offset + 8, with: $0) }
            return b
        }
        #expect(try Self.cache(Array("0000000000000000 T _text\n".utf8), "text") == nil)
        #expect(try Self.cache(Array(good.prefix(15)), "short") == nil)
        #expect(try Self.cache(with(8, UInt64(count) + 1, Array(good.prefix(16 + count * 16))), "count") == nil)
        #expect(try Self.cache(with(8, .max), "huge") == nil)
        #expect(try Self.cache(with(8, 0), "empty") == nil)
        // Entry 5's name: past the names, and a length that would wrap.
        let past = try #require(try Self.cache(with(16 + 5 * 16 + 8, 8 << 32 | UInt64(good.count)), "past"))
        let a5 = past.address(5)
        #expect(past.symbolAndStart(at: a5) == nil)
        #expect(past.symbolAndStart(at: past.address(6)) != nil)
        let wrap = try #require(try Self.cache(with(16 + 5 * 16 + 8, UInt64(UInt32.max) << 32 | 1), "wrap"))
        #expect(wrap.symbolAndStart(at: a5) == nil)
        // Cut inside the names: the entries still fit, the last names do not.
        let cut = try #require(try Self.cache(Array(good.prefix(16 + count * 16 + 10)), "cut"))
        #expect(cut.symbolAndStart(at: cut.address(count - 1)) == nil)
        // Unsorted: any answer, within the file.
        var swapped = good
        let e1 = Array(good[16..<32]), e2 = Array(good[16 + 16 * (count - 1)..<16 + 16 * count])
        swapped.replaceSubrange(16..<32, with: e2)
        swapped.replaceSubrange(16 + 16 * (count - 1)..<16 + 16 * count, with: e1)
        let unsorted = try #require(try Self.cache(swapped, "unsorted"))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1000 { _ = unsorted.symbolAndStart(at: UInt64.random(in: 0...UInt64.max, using: &rng)) }
    }

    @Test func restrictedKallsymsIsRefused() {
        #expect(KernelSymbols(text: "0000000000000000 T _text\n0000000000000000 t foo\n") == nil)
    }
}
