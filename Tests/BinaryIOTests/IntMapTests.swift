import BinaryIO
import Testing
import TestSupport

/// IntMap against Swift's Dictionary on the same random inserts, updates and removals (fixed seed):
/// removal shifts probe runs back, the part most likely to lose an entry.
@Suite struct IntMapTests {
    @Test(arguments: [8 as Int64, 300, 1 << 40])
    func behavesLikeADictionary(_ keySpan: Int64) {
        var rng = SplitMix64(seed: UInt64(keySpan))
        var map = IntMap<Int>()
        var dict: [Int64: Int] = [:]
        for step in 0..<50_000 {
            // Keys from a small span collide and churn; negative keys and Int64.min included.
            let key = Int64.random(in: -keySpan...keySpan, using: &rng) | (step % 997 == 0 ? Int64.min : 0)
            switch rng.next() % 3 {
            case 0: map[key] = nil; dict[key] = nil
            default: map[key] = step; dict[key] = step
            }
            if step % 5_000 == 0 {
                #expect(map.count == dict.count)
                for (k, v) in dict where map[k] != v { Issue.record("key \(k): \(String(describing: map[k])) != \(v)") }
            }
        }
        #expect(map.count == dict.count)
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == dict)
        for k in dict.keys { map[k] = nil }
        #expect(map.isEmpty && map.makeIterator().next() == nil)
    }
}
