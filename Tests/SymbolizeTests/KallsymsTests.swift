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

    @Test func restrictedKallsymsIsRefused() {
        #expect(KernelSymbols(text: "0000000000000000 T _text\n0000000000000000 t foo\n") == nil)
    }
}
