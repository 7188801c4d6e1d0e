import Foundation
import Symbolize
import Testing

@Suite struct KallsymsTests {
    /// The per-boot cache (sorted lines searched in place) answers exactly as the parsed file does.
    @Test func sortedCacheAnswersLikeTheParsedFile() throws {
        let text = try String(contentsOf: Paths.fixtures.appendingPathComponent("perf/kallsyms-subset.txt"), encoding: .utf8)
        let parsed = try #require(KernelSymbols(text: text))
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-kallsyms-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try Data(parsed.textLines()).write(to: tmp)
        let cached = try #require(SortedKernelSymbols(path: tmp.path))
        #expect(parsed.count > 100)
        #expect(parsed.address(of: "_text") == 0xffff_ffff_8100_0000)
        #expect(cached.address(of: "_text") == parsed.address(of: "_text"))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let a = UInt64.random(in: 0xffff_ffff_80ff_0000...0xffff_ffff_8300_0000, using: &rng)
            #expect(cached.symbol(at: a) == parsed.symbol(at: a), "\(String(a, radix: 16))")
        }
        #expect(parsed.symbol(at: 0x1000) == nil)
    }

    /// The memo of the search's first probes gives the answers the search gives, on a sorted cache and on
    /// a damaged one (an unreadable address, two lines swapped), with one memo moving between tables.
    @Test func probeMemoAnswersLikeTheSearch() throws {
        let text = try String(contentsOf: Paths.fixtures.appendingPathComponent("perf/kallsyms-subset.txt"), encoding: .utf8)
        let parsed = try #require(KernelSymbols(text: text))
        var lines = String(decoding: parsed.textLines(), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count > 100)
        let sorted = lines.joined(separator: "\n") + "\n"
        lines[lines.count / 3] = "g" + lines[lines.count / 3].dropFirst()
        lines.swapAt(lines.count / 2, lines.count / 2 + 7)
        let damaged = lines.joined(separator: "\n") + "\n"
        var tables: [SortedKernelSymbols] = []
        for (i, t) in [sorted, damaged].enumerated() {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-probes-\(getpid())-\(i).txt")
            defer { try? FileManager.default.removeItem(at: url) }
            try Data(t.utf8).write(to: url)
            tables.append(try #require(SortedKernelSymbols(path: url.path)))
        }
        var memo = KernelProbeMemo()
        var rng = SystemRandomNumberGenerator()
        var named = 0
        for k in 0..<4000 {
            let a = UInt64.random(in: 0xffff_ffff_80ff_0000...0xffff_ffff_8300_0000, using: &rng)
            let t = tables[k / 500 % 2]
            let plain = t.symbolAndStart(at: a)
            let memoized = t.symbolAndStart(at: a, memo: &memo)
            #expect(plain?.name == memoized?.name && plain?.start == memoized?.start, "\(String(a, radix: 16))")
            if plain != nil { named += 1 }
        }
        #expect(named > 1000)
        #expect(tables[0].symbolAndStart(at: 0x1000, memo: &memo) == nil)
    }

    @Test func restrictedKallsymsIsRefused() {
        #expect(KernelSymbols(text: "0000000000000000 T _text\n0000000000000000 t foo\n") == nil)
    }
}
