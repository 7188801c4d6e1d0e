import Testing
import TestSupport
@testable import Align

/// SpanIndex's lookups against a plain search of the same spans (fixed seeds): keys grouped, sorted
/// within each key (stably), and the item holding a time found from any starting hint.
@Suite struct SpanIndexTests {
    struct Span { var key: Int64?; var start: Int64; var end: Int64; var item: Int32 }

    /// Spans of `keys` keys, each key's not overlapping (some touching), in an order shuffled a little;
    /// some left out (nil key). With `overlapAtStart`, each key's first span lasts until its third ends (as a GC
    /// cycle seen active at the trace's start overlaps the next).
    static func spans(_ rng: inout SplitMix64, keys: Int, overlapAtStart: Bool) -> [Span] {
        var out: [Span] = []
        for k in 0..<keys {
            let key = Int64(k * 7) - 10  // negative keys too
            var t = Int64(rng.next() % 100)
            for n in 0..<Int(rng.next() % 40) {
                let start = t + Int64(rng.next() % 3 == 0 ? 0 : rng.next() % 50)
                let end = start + Int64(rng.next() % 30)
                out.append(Span(key: n % 11 == 10 ? nil : key, start: start, end: end, item: Int32(out.count)))
                t = end
            }
            if overlapAtStart, let i = out.firstIndex(where: { $0.key == key }), i + 2 < out.count,
                out[i + 2].key == key
            {
                out[i].end = out[i + 2].end
            }
        }
        // Neighbours swapped: the index must sort them back, keeping equal starts in this order.
        for _ in 0..<out.count / 4 where out.count > 1 {
            let i = Int(rng.next() % UInt64(out.count - 1))
            out.swapAt(i, i + 1)
        }
        return out
    }

    /// The item a lookup must give: the last-starting span of `key` (in stable start order) holding `t`.
    static func expectedItem(_ spans: [Span], key: Int64, at t: Int64) -> Int32 {
        let own = spans.filter { $0.key == key }.enumerated().sorted {
            ($0.element.start, $0.offset) < ($1.element.start, $1.offset)
        }
        return own.last { $0.element.start <= t && t <= $0.element.end }?.element.item ?? -1
    }

    @Test(arguments: [(1 as UInt64, false), (2, false), (3, true), (4, true)])
    func lookupsMatchASearch(_ seed: UInt64, _ overlap: Bool) {
        var rng = SplitMix64(seed: seed)
        let spans = Self.spans(&rng, keys: 12, overlapAtStart: overlap)
        let index = SpanIndex(count: spans.count, key: { spans[$0].key }) {
            (spans[$0].start, spans[$0].end, spans[$0].item)
        }
        let keys = Set(spans.compactMap(\.key)).sorted()
        #expect(index.keys == keys)
        for (slot, key) in keys.enumerated() {
            #expect(index.slot(key) == slot)
            let own = spans.filter { $0.key == key }
            #expect(index.bounds[slot + 1] - index.bounds[slot] == own.count)
            // Stable sort by start.
            let sorted = own.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(
                \.element)
            #expect(Array(index.items[index.bounds[slot]..<index.bounds[slot + 1]]) == sorted.map(\.item))
            for t in Int64(-5)...(sorted.map(\.end).max() ?? 0) + 5 {
                #expect(
                    index.item(containing: t, slot: slot) == Self.expectedItem(spans, key: key, at: t),
                    "key \(key) t \(t)")
                let last = sorted.lastIndex { $0.start <= t }.map { index.bounds[slot] + $0 } ?? index.bounds[slot] - 1
                #expect(index.lastStarting(atOrBefore: t, slot: slot) == last)
            }
        }
        #expect(index.slot(1_000_000) == -1)
        #expect(index.item(containing: 0, slot: keys.count) == -1)
    }

    /// The per-sample path keeps a hint between lookups: times going forward by small and large steps,
    /// and sometimes back, must give what a fresh lookup gives.
    @Test func hintedLookupsMatchFreshOnes() {
        var rng = SplitMix64(seed: 99)
        let spans = Self.spans(&rng, keys: 5, overlapAtStart: false)
        let index = SpanIndex(count: spans.count, key: { spans[$0].key }) {
            (spans[$0].start, spans[$0].end, spans[$0].item)
        }
        index.withView { view in
            for slot in 0..<view.slotCount {
                var hint = Int.min
                var t: Int64 = -3
                for _ in 0..<3_000 {
                    switch rng.next() % 10 {
                    case 0: t -= Int64(rng.next() % 40)
                    case 1: t += Int64(rng.next() % 400)
                    default: t += Int64(rng.next() % 6)
                    }
                    let fresh = index.item(containing: t, slot: slot)
                    #expect(view.item(containing: t, slot: slot, hint: &hint) == fresh, "slot \(slot) t \(t)")
                }
            }
        }
    }

    @Test func sortedGroupsAreTakenAsGiven() {
        let index = SpanIndex(sortedGroups: [(key: -1, spans: [(0, 10, 5), (10, 20, 6)]), (key: 4, spans: [(3, 4, 7)])])
        #expect(index.keys == [-1, 4])
        #expect(index.item(containing: 10, slot: 0) == 6)
        #expect(index.item(containing: 9, slot: 0) == 5)
        #expect(index.item(containing: 21, slot: 0) == -1)
        #expect(index.item(containing: 3, slot: 1) == 7)
        #expect(index.item(containing: 2, slot: 1) == -1)
    }
}
