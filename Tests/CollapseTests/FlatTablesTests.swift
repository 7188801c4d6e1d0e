import Testing
import TestSupport
@testable import Collapse

/// The fold's hand-made hash tables against Swift's Dictionary on the same random operations (fixed
/// seeds): small key spaces collide and make the tables grow several times.
@Suite struct FlatTablesTests {
    struct FrameKey: Hashable { var address: UInt64; var tag: UInt64 }

    static func run(_ rng: inout SplitMix64, length: Int) -> [UInt32] {
        (0..<length).map { _ in UInt32(truncatingIfNeeded: rng.next() % 50) }
    }

    @Test(arguments: [16 as UInt64, 5_000, 1 << 40])
    func frameRunCacheBehavesLikeADictionary(_ span: UInt64) {
        var rng = SplitMix64(seed: span)
        var cache = FrameRunCache(capacity: 8)
        var dict: [FrameKey: [UInt32]] = [:]
        for step in 0..<30_000 {
            // Tags are never 0 (0 marks an empty slot); addresses may be.
            let k = FrameKey(address: rng.next() % span, tag: 1 + rng.next() % 4)
            if step % 9_000 == 8_999 {
                cache.removeAll()
                dict.removeAll()
            }
            if let (start, count) = cache.find(k.address, tag: k.tag) {
                #expect(Array(cache.pool[start..<start + count]) == dict[k], "\(k)")
            } else {
                #expect(dict[k] == nil, "\(k) lost")
                let r = Self.run(&rng, length: Int(rng.next() % 6))
                let (start, count) = cache.insert(k.address, tag: k.tag, run: r)
                #expect(Array(cache.pool[start..<start + count]) == r)
                dict[k] = r
            }
        }
        for (k, r) in dict {
            let found = cache.find(k.address, tag: k.tag).map { Array(cache.pool[$0.0..<$0.0 + $0.1]) }
            #expect(found == r, "\(k)")
        }
    }

    @Test(arguments: [3 as UInt64, 40])
    func stackCounterBehavesLikeADictionary(_ alphabet: UInt64) {
        var rng = SplitMix64(seed: alphabet)
        var counter = StackCounter(capacity: 4)
        var index: [[UInt32]: Int] = [:]
        var weights: [[UInt32]: UInt64] = [:]
        for _ in 0..<20_000 {
            // Short stacks over a small alphabet repeat; the empty stack is a stack too.
            let stack = (0..<Int(rng.next() % 5)).map { _ in UInt32(rng.next() % alphabet) }
            let w = rng.next() % 1_000
            let e = counter.add(stack, weight: w)
            if let known = index[stack] { #expect(e == known, "\(stack)") } else {
                #expect(e == index.count, "new stacks are numbered in order")
                index[stack] = e
            }
            weights[stack, default: 0] &+= w
        }
        #expect(counter.uniqueCount == index.count)
        for (stack, e) in index { #expect(Array(counter.stack(e)) == stack) }
        var seen: [[UInt32]: UInt64] = [:]
        counter.forEach { seen[Array($0)] = $1 }
        #expect(seen == weights)
    }

    @Test func byteRunCacheBehavesLikeADictionary() {
        var rng = SplitMix64(seed: 7)
        var cache = ByteRunCache(capacity: 4)
        var dict: [[UInt8]: [UInt32]] = [:]
        for _ in 0..<20_000 {
            // Keys 1...12 bytes over a 3-letter alphabet (lengths around 8 cross the hash's word boundary);
            // the tag is the key's first byte's job here: kept in the key for the dictionary.
            let tag = rng.next() % 3
            let key = (0..<(1 + Int(rng.next() % 12))).map { _ in UInt8(ascii: "a") + UInt8(rng.next() % 3) }
            let found = key.withUnsafeBytes { cache.find($0, tag: tag) }
            if let (start, count) = found.run {
                #expect(Array(cache.pool[start..<start + count]) == dict[[UInt8(tag)] + key])
            } else {
                #expect(dict[[UInt8(tag)] + key] == nil, "\(key) lost")
                let r = Self.run(&rng, length: Int(rng.next() % 4))
                let (start, count) = key.withUnsafeBytes { cache.insert($0, hash: found.hash, run: r) }
                #expect(Array(cache.pool[start..<start + count]) == r)
                dict[[UInt8(tag)] + key] = r
            }
        }
        #expect(dict.count > 1_000)
    }

    @Test func nameTableInternsOnce() {
        var t = NameTable()
        let names = ["main.main", "runtime.goexit", "", "main.main", "a;b", "runtime.goexit"]
        let ids = names.map { t.intern(Array($0.utf8)) }
        #expect(ids == [0, 1, 2, 0, 3, 1])
        // Stored as folded text may hold them (issue 22): `;` becomes `:`, control characters `\x0a`.
        #expect(t.names.map { String(decoding: $0, as: UTF8.self) } == ["main.main", "runtime.goexit", "", "a:b"])
        let id = Int(t.intern(Array("x\ny\u{1b}".utf8)))
        #expect(t.names[id] == Array("x\\x0ay\\x1b".utf8))
    }
}
