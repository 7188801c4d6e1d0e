import BinaryIO
import Testing
import TestSupport
@testable import Collapse
@testable import PerfData

/// The per-chain fold cache (ChainFoldCache.swift): a repeated chain is counted on the stack its first fold
/// made, and a chain met again after the maps or the comm changed is folded anew, as perf script names each
/// sample by the maps and comm of its time.
@Suite struct ChainFoldCacheTests {
    static func fold(_ c: CraftedPerfData) throws -> [String: UInt64] {
        let file = try PerfFile(file: c.file())
        var options = PerfCollapseOptions()
        options.weightByPeriod = false
        var collapser = PerfCollapser(options: options)
        try collapser.collapse(file)
        var lines: [String: UInt64] = [:]
        for line in String(decoding: collapser.folded(), as: UTF8.self).split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let n = UInt64(line[line.index(after: space)...]) else { continue }
            lines[String(line[..<space]), default: 0] += n
        }
        return lines
    }

    @Test func repeatedChainsAddUp() throws {
        var c = CraftedPerfData()
        c.comm(pid: 100, name: "alpha")
        c.mmap2(pid: 100, start: 0x40_0000, length: 0x1000, name: "[anon:first]")
        for t in 0..<5 { c.sample(pid: 100, time: 10 + UInt64(t), chain: [0x40_0100, 0x40_0200]) }
        c.sample(pid: 100, time: 20, chain: [0x40_0100])
        let folded = try Self.fold(c)
        #expect(folded == ["alpha;[[anon:first]];[[anon:first]]": 5, "alpha;[[anon:first]]": 1])
    }

    @Test func remappedAddressesAreNamedAnew() throws {
        var c = CraftedPerfData()
        c.comm(pid: 100, name: "alpha")
        c.mmap2(pid: 100, start: 0x40_0000, length: 0x1000, name: "[anon:first]")
        c.sample(pid: 100, time: 10, chain: [0x40_0100, 0x40_0200])
        c.sample(pid: 100, time: 11, chain: [0x40_0100, 0x40_0200])
        // The same range mapped again, to something else: the same chain now names the new mapping.
        c.mmap2(pid: 100, start: 0x40_0000, length: 0x1000, name: "[anon:second]", time: 12)
        c.sample(pid: 100, time: 13, chain: [0x40_0100, 0x40_0200])
        let folded = try Self.fold(c)
        #expect(folded == ["alpha;[[anon:first]];[[anon:first]]": 2, "alpha;[[anon:second]];[[anon:second]]": 1])
    }

    @Test func renamedThreadsGetTheirNewRoot() throws {
        var c = CraftedPerfData()
        c.comm(pid: 100, name: "alpha")
        c.mmap2(pid: 100, start: 0x40_0000, length: 0x1000, name: "[anon:first]")
        c.sample(pid: 100, time: 10, chain: [0x40_0100])
        c.comm(pid: 100, name: "beta", time: 11)
        c.sample(pid: 100, time: 12, chain: [0x40_0100])
        c.sample(pid: 100, time: 13, chain: [0x40_0100])
        let folded = try Self.fold(c)
        #expect(folded == ["alpha;[[anon:first]]": 1, "beta;[[anon:first]]": 2])
    }

    /// The table against a Dictionary on random chains (fixed seed): collisions, growth, and chains that
    /// differ only in pid, mode, root or length.
    @Test func behavesLikeADictionary() {
        struct Key: Hashable { var chain: [UInt64]; var pid: Int32; var mode: UInt16; var root: UInt32 }
        var rng = SplitMix64(seed: 22)
        var cache = ChainFoldCache(capacity: 8)
        var dict: [Key: Int] = [:]
        for _ in 0..<20_000 {
            let chain = (0..<Int(rng.next() % 4)).map { _ in rng.next() % 3 }
            let k = Key(chain: chain, pid: Int32(rng.next() % 2), mode: UInt16(rng.next() % 2), root: UInt32(rng.next() % 2))
            chain.withUnsafeBytes { raw in
                let view = U64View(base: raw.baseAddress, count: chain.count, swaps: false)
                let h = ChainFoldCache.hash(view, pid: k.pid, mode: k.mode, root: k.root)
                if let e = cache.find(view, hash: h, pid: k.pid, mode: k.mode, root: k.root) {
                    #expect(Int(cache.entries[e].stack) == dict[k], "\(k)")
                } else {
                    #expect(dict[k] == nil, "\(k) lost")
                    dict[k] = dict.count
                    cache.insert(view, hash: h, pid: k.pid, mode: k.mode, root: k.root, stack: dict[k]!, repair: 0)
                }
            }
        }
        #expect(cache.entries.count == dict.count)
    }
}
