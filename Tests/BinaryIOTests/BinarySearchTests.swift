import BinaryIO
import Testing
import TestSupport

/// partitionPoint and lastIndex(atOrBefore:by:) against a linear scan on random sorted keys (fixed
/// seeds): duplicates, empty tables, keys before the first and after the last, slices not starting at 0.
@Suite struct BinarySearchTests {
    /// Sorted keys from a small span (many equal keys) or a wide one, and probes around them.
    static func sortedKeys(_ rng: inout SplitMix64, span: UInt64) -> [UInt64] {
        (0..<rng.below(40)).map { _ in rng.next() % span }.sorted()
    }

    @Test(arguments: [4 as UInt64, 1_000, .max])
    func lastIndexMatchesALinearScan(_ span: UInt64) {
        var rng = SplitMix64(seed: span)
        for _ in 0..<5_000 {
            let keys = Self.sortedKeys(&rng, span: span)
            let probe = rng.below(3) == 0 ? (keys.randomElement(using: &rng) ?? 0) : rng.next() % span
            let want = keys.lastIndex { $0 <= probe }
            let got = keys.lastIndex(atOrBefore: probe, by: { $0 })
            if got != want { Issue.record("keys \(keys) probe \(probe): \(String(describing: got)) != \(want as Any)") }
        }
    }

    @Test(arguments: [4 as UInt64, 1_000])
    func partitionPointMatchesALinearScan(_ span: UInt64) {
        var rng = SplitMix64(seed: span &+ 7)
        for _ in 0..<5_000 {
            let keys = Self.sortedKeys(&rng, span: span)
            // A slice keeps its parent's indices: the answer must be one of them, not an offset.
            let from = rng.below(keys.count + 1)
            let slice = keys[from...]
            let probe = rng.next() % span
            let want = slice.firstIndex { !($0 < probe) } ?? slice.endIndex
            #expect(slice.partitionPoint { $0 < probe } == want)
            let range = from..<keys.count
            #expect(range.partitionPoint { keys[$0] < probe } == want)
        }
    }

    /// On unsorted (hostile) keys the answer is whatever the hand-written searches it replaced gave:
    /// the same probes, so outputs on broken tables did not change.
    @Test func unsortedKeysGiveTheReplacedSearchsAnswer() {
        var rng = SplitMix64(seed: 20)
        for _ in 0..<5_000 {
            let keys = (0..<rng.below(40)).map { _ in rng.next() % 100 }
            let probe = rng.next() % 100
            var lo = 0, hi = keys.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if keys[mid] <= probe { lo = mid + 1 } else { hi = mid }
            }
            #expect(keys.partitionPoint { $0 <= probe } == lo)
        }
    }

    @Test func emptyTables() {
        let none: [Int] = []
        #expect(none.partitionPoint { _ in true } == 0)
        #expect(none.lastIndex(atOrBefore: 5, by: { $0 }) == nil)
        #expect([3, 4].lastIndex(atOrBefore: 2, by: { $0 }) == nil)
        #expect([3, 4].lastIndex(atOrBefore: Int.max, by: { $0 }) == 1)
    }
}
