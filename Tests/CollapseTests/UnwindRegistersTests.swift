import Testing
@testable import Collapse
@testable import PerfData

/// The unwinder loads a sample's registers in two parts (IP, SP and BP up front, the rest before the first
/// CFI frame): together they must equal `UnwindRegisters(mask:values:)`, which walks the mask bit by bit.
@Suite struct UnwindRegistersTests {
    @Test func partialLoadsEqualTheFullOne() {
        var rng = SplitMix64(seed: 21)
        for round in 0..<3_000 {
            // Random masks over perf's x86 bits (0–23 and some beyond), values short or complete.
            var mask = rng.next() & 0xff_ffff
            if round % 3 == 0 { mask |= rng.next() & 0xffff_0000_0000 }
            if round % 5 == 0 { mask |= 1 << 6 | 1 << 7 | 1 << 8 }
            let values: [UInt64] = (0..<64).map { _ in rng.next() }
            let count = round % 4 == 0 ? Int(rng.next() % 24) : mask.nonzeroBitCount
            values.withUnsafeBytes { b in
                let view = U64View(base: b.baseAddress, count: count, swaps: false)
                var full = UnwindRegisters()
                full.load(mask: mask, values: view, only: 0x1_ffff)
                var parts = UnwindRegisters()
                parts.loadGoRegisters(mask: mask, values: view)
                #expect(parts.known == full.known & SampleRegisters.goRegisters, "mask \(mask) count \(count)")
                parts.load(mask: mask, values: view, only: ~SampleRegisters.goRegisters)
                #expect(parts.known == full.known, "mask \(mask) count \(count)")
                for r in 0..<17 { #expect(parts[r] == full[r], "register \(r), mask \(mask) count \(count)") }
                // The bit-by-bit walk perf's layout describes.
                let walked = UnwindRegisters(mask: mask, values: view)
                if let walked {
                    for r in 0..<17 { #expect(walked[r] == full[r], "register \(r), mask \(mask) count \(count)") }
                } else {
                    #expect(full[7] == nil || full[16] == nil)
                }
            }
        }
    }
}
