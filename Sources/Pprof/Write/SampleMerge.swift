// pprof merges samples with equal stacks and labels; so does the writer, once per sample of the fold.
// A flat open-addressing table keyed by integers: a Dictionary keyed by a struct with a String hashed
// with SipHash per sample, a tenth of writing the bench capture's profile.

/// What makes two samples one: the location stack and every label's value (region by interned id).
struct SampleKey: Equatable {
    var stack: Int32, pid: Int32, tid: Int32, cpu: UInt32
    var gc: Int8 = -1, goroutine: Int64 = -1, task: UInt64 = 0
    /// Into `SampleWriter.regions`; 0: outside every region.
    var region: Int32 = 0

    var hash: UInt64 {
        // splitmix64's finaliser over the fields folded into one word.
        var z = UInt64(UInt32(bitPattern: stack)) | UInt64(UInt32(bitPattern: tid)) << 32
        z ^= (UInt64(UInt32(bitPattern: pid)) | UInt64(cpu) << 32) &* 0x9e37_79b9_7f4a_7c15
        z ^= UInt64(bitPattern: goroutine) &* 0xc2b2_ae3d_27d4_eb4f
        z ^= (task ^ UInt64(UInt8(bitPattern: gc)) << 56 ^ UInt64(UInt32(bitPattern: region)) << 20) &* 0x1656_67b1_9e37_79f9
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Distinct sample keys numbered 0… in the order first met, with the samples and periods merged.
struct SampleMerge {
    private var slots: [Int]  // index into `keys`, -1 empty
    private var mask: Int
    private(set) var keys: [SampleKey] = []
    private(set) var counts: [Int64] = []
    private(set) var weights: [Int64] = []

    init(capacity: Int = 1 << 12) {
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
    }

    /// Adds one sample of `weight`; true when `key` is new (its index is then `keys.count - 1`).
    mutating func add(_ key: SampleKey, weight: Int64) -> Bool {
        var i = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let s = slots[i]
            if s < 0 { break }
            if keys[s] == key {
                counts[s] &+= 1
                weights[s] &+= weight
                return false
            }
            i = (i &+ 1) & mask
        }
        slots[i] = keys.count
        keys.append(key)
        counts.append(1)
        weights.append(weight)
        if keys.count * 2 > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (k, key) in keys.enumerated() {
            var i = Int(truncatingIfNeeded: key.hash) & mask
            while slots[i] >= 0 { i = (i &+ 1) & mask }
            slots[i] = k
        }
    }
}
