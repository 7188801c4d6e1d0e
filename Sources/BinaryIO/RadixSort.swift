/// A stable sort by a 64-bit key: least significant digit first, over the keys less the smallest, in as
/// few passes of at most 11 bits as the span from smallest to largest key needs (two for a binary below
/// 4 MB). Symbol tables are sorted with it: the standard library's sort of libc's 10,000 symbols cost
/// 700 instructions a symbol.
extension Array {
    @inlinable
    public mutating func radixSort(byKey key: (Element) -> UInt64) {
        guard count > 1 else { return }
        var keys = map(key)
        var lo = UInt64.max, hi: UInt64 = 0
        for k in keys {
            lo = Swift.min(lo, k)
            hi = Swift.max(hi, k)
        }
        let bits = 64 - (hi &- lo).leadingZeroBitCount
        guard bits > 0 else { return }  // one key for all: in order already
        let passes = (bits + 10) / 11, digitBits = (bits + passes - 1) / passes
        let mask = UInt64(1) << digitBits - 1
        for i in keys.indices { keys[i] &-= lo }
        var order = Array<Int>(indices)
        var keysOut = keys, orderOut = order
        var counts = [Int](repeating: 0, count: 1 << digitBits)
        for pass in 0..<passes {
            let shift = UInt64(pass * digitBits)
            // Buffers, not subscripts: each array write otherwise checks the array is not shared.
            keys.withUnsafeBufferPointer { k in
                order.withUnsafeBufferPointer { o in
                    keysOut.withUnsafeMutableBufferPointer { ko in
                        orderOut.withUnsafeMutableBufferPointer { oo in
                            counts.withUnsafeMutableBufferPointer { c in
                                Self.radixPass(k, o, ko, oo, c, shift: shift, mask: mask)
                            }
                        }
                    }
                }
            }
            swap(&keys, &keysOut)
            swap(&order, &orderOut)
        }
        self = order.map { self[$0] }
    }

    /// One pass: `keys` and `order` by digit `(key >> shift) & mask` into `keysOut` and `orderOut`.
    @inlinable
    static func radixPass(
        _ keys: UnsafeBufferPointer<UInt64>, _ order: UnsafeBufferPointer<Int>,
        _ keysOut: UnsafeMutableBufferPointer<UInt64>, _ orderOut: UnsafeMutableBufferPointer<Int>,
        _ counts: UnsafeMutableBufferPointer<Int>, shift: UInt64, mask: UInt64
    ) {
        counts.update(repeating: 0)
        for k in keys { counts[Int((k >> shift) & mask)] += 1 }
        var sum = 0
        for i in counts.indices {
            let c = counts[i]
            counts[i] = sum
            sum += c
        }
        for i in keys.indices {
            let d = Int((keys[i] >> shift) & mask)
            keysOut[counts[d]] = keys[i]
            orderOut[counts[d]] = order[i]
            counts[d] += 1
        }
    }
}
