import Testing
@testable import BinaryIO

/// `radixSort` against the standard library's sort by (key, original position): the order a stable sort
/// gives, for key spans that need one pass, several, and all 64 bits.
@Suite struct RadixSortTests {
    struct Item: Equatable { var key: UInt64; var position: Int }

    static func check(_ keys: [UInt64]) {
        var items = keys.enumerated().map { Item(key: $1, position: $0) }
        let want = items.sorted { ($0.key, $0.position) < ($1.key, $1.position) }
        items.radixSort { $0.key }
        #expect(items == want, "\(keys.count) keys")
    }

    @Test(arguments: [UInt64(1), 2047, 2048, 1 << 21, 1 << 40, .max])
    func randomKeysBelow(_ bound: UInt64) {
        var g = SystemRandomNumberGenerator()
        for n in [0, 1, 2, 3, 100, 5_000] {
            let base = UInt64.random(in: 0...(.max - bound), using: &g)
            Self.check((0..<n).map { _ in base &+ UInt64.random(in: 0...bound, using: &g) })
        }
    }

    /// Many equal keys (aliases at one address) keep their order; the extremes sort too.
    @Test func tiesAndExtremes() {
        Self.check([5, 5, 5, 1, 5, 1, 0, .max, 0, .max, 5])
        Self.check([UInt64](repeating: 7, count: 1_000))
        Self.check([.max, 0])
    }
}
