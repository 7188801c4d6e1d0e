import Testing
@testable import Collapse
import PerfData

/// A dwarf sample's chain left pending (`unwindUserStack(lazily:)`, UnwoundFold.swift): its length, kernel
/// part and hash equal those of the chain written out, the compare with the unwound frames accepts exactly
/// the written chain, and the fold of every capture is the same as with the chain always written.
@Suite struct PendingChainTests {
    @Test(arguments: ["go1.25-dwarf16k.data", "go1.25-cpu-dwarf.data", "go1.25-cgo-dwarf.data", "c-cwork-dwarf.data",
                      "go1.25-pie-dwarf16k.data", "go1.27-dwarf16k-mono.data"])
    func pendingKeyEqualsTheWrittenChain(_ name: String) throws {
        let file = try UnwindFixtures.data(name)
        var c = PerfCollapser(options: UnwindFixtures.options())
        var model = ProcessModel(file: file)
        var it = file.orderedRecords()
        var compared = 0, entries = 0
        while let rec = it.next() {
            guard rec.type == .sample else {
                model.process(rec, in: file)
                continue
            }
            let s = try file.sample(rec)
            guard c.unwindUserStack(s, file: file, model: model, lazily: true) else { continue }
            let pending = c.stackTruth.chain.pending
            #expect(pending == (c.unwindState.kernelEntries == 0))
            let key = (c.unwindState.chainCount, c.unwindState.kernelEntries, c.unwindState.chainBody)
            c.writeUnwoundChain(s)
            #expect(!c.stackTruth.chain.pending)
            let t = c.stackTruth.chain
            #expect(key.0 == t.count && key.1 == c.unwindState.kernelEntries && key.2 == c.unwindState.chainBody)
            #expect((t.count > 0 && t.origins[t.count - 1] == .truncated) == (c.unwindState.cutMarker != nil))
            var chain = Array(t.entries[..<t.count])
            let equal = { (chain: [UInt64]) in
                chain.withUnsafeBufferPointer {
                    PerfCollapser.unwoundChainEquals(
                        $0, frames: c.unwindState.frames, count: c.unwindState.frameCount, marker: c.unwindState.cutMarker)
                }
            }
            guard pending else { continue }  // a kernel part: written at once, compared as written
            #expect(equal(chain))
            // Any one entry changed: not equal.
            for i in chain.indices {
                chain[i] ^= 0x10
                #expect(!equal(chain), "\(name): entry \(i) of \(chain.count) changed, still equal")
                chain[i] ^= 0x10
            }
            compared += 1
            entries += chain.count
        }
        #expect(compared > 50, "\(compared)")
        print("\(name): \(compared) samples, \(entries) entries compared")
    }

    /// The whole fold, pending chains and all, against the fold with every chain written at once.
    @Test(arguments: ["go1.25-dwarf16k.data", "go1.25-cgo-dwarf.data", "go1.27-dwarf16k-mono.data"])
    func foldIsTheSameWithChainsWritten(_ name: String) throws {
        var lazy = PerfCollapser(options: UnwindFixtures.options())
        try lazy.collapse(try UnwindFixtures.data(name))
        var eager = PerfCollapser(options: UnwindFixtures.options())
        eager.unwindState.writesChains = true
        try eager.collapse(try UnwindFixtures.data(name))
        // The cgo capture misses libc here: its names are counted per sample, nothing is cached.
        #expect(name.contains("cgo") || !lazy.chainFolds.entries.isEmpty)
        #expect(lazy.folded() == eager.folded())
        #expect(lazy.unwindState.stats == eager.unwindState.stats)
    }
}
