import Testing
import TestSupport
@testable import Collapse

/// The frame-pointer repair's cache against Swift's Dictionary on the same random operations (fixed seed):
/// a small key space collides, pids separate equal addresses, and the table grows several times.
@Suite struct RepairCacheTests {
    struct Key: Hashable { var pid: Int32; var leaf: UInt64; var next: UInt64 }

    @Test func agreesWithDictionary() {
        var rng = SplitMix64(seed: 17)
        var cache = RepairCache(capacity: 4)
        var truth: [Key: Repair] = [:]
        for step in 0..<20_000 {
            let k = Key(pid: Int32(rng.next() % 3) - 1, leaf: rng.next() % 300, next: rng.next() % 5)
            #expect(cache.find(pid: k.pid, leaf: k.leaf, next: k.next) == truth[k])
            if truth[k] == nil {
                let r: Repair
                switch step % 3 {
                case 0: r = .none
                case 1: r = .callSite(rng.next())
                default: r = .placeholder(UInt32(truncatingIfNeeded: rng.next()))
                }
                cache.insert(pid: k.pid, leaf: k.leaf, next: k.next, r)
                truth[k] = r
            }
        }
        #expect(truth.count > 1_000)
        cache.removeAll()
        #expect(cache.find(pid: 0, leaf: 1, next: 1) == nil)
    }
}
