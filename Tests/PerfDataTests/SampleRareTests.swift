import Testing
import TestSupport
@testable import PerfData

/// A Sample keeps its rare fields in a shared box (SampleRare.swift): each must read back what was set,
/// its initial value before, and a copy must not see the original's later writes nor the original the
/// copy's (copy on write), or a sample reused by `sample(_:into:)` could keep the last one's fields.
@Suite struct SampleRareTests {
    static func values(_ s: Sample) -> [UInt64] {
        func at(_ p: UnsafeRawPointer?) -> UInt64 { p.map { UInt64(UInt(bitPattern: $0)) } ?? 0 }
        return [
            s.transaction, s.physAddr, s.cgroup, s.dataPageSize, s.codePageSize, at(s.raw.baseAddress),
            UInt64(s.raw.count), UInt64(s.branchCount), s.branchHWIndex ?? .max, at(s.branches.base),
            UInt64(s.branches.count), s.regsIntrABI, at(s.regsIntr.base), UInt64(s.regsIntr.count),
            at(s.readValues.base), UInt64(s.readValues.count), at(s.aux.baseAddress), UInt64(s.aux.count),
        ]
    }

    /// Sets field `i` (of `values`' order, pointer and count as one) to something made of `v`.
    static func set(_ s: inout Sample, _ i: Int, _ v: UInt64) {
        let p = UnsafeRawPointer(bitPattern: UInt(v) << 4)
        switch i {
        case 0: s.transaction = v
        case 1: s.physAddr = v
        case 2: s.cgroup = v
        case 3: s.dataPageSize = v
        case 4: s.codePageSize = v
        case 5: s.raw = UnsafeRawBufferPointer(start: p, count: Int(v))
        case 6: s.branchCount = Int(v)
        case 7: s.branchHWIndex = v
        case 8: s.branches = U64View(base: p, count: Int(v), swaps: false)
        case 9: s.regsIntrABI = v
        case 10: s.regsIntr = U64View(base: p, count: Int(v), swaps: true)
        case 11: s.readValues = U64View(base: p, count: Int(v), swaps: false)
        default: s.aux = UnsafeRawBufferPointer(start: p, count: Int(v))
        }
    }

    @Test func fieldsReadBackAndCopiesAreIndependent() {
        let empty = Self.values(Sample())
        #expect(empty == [0, 0, 0, 0, 0, 0, 0, 0, .max, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        for i in 0...12 {
            var a = Sample()
            Self.set(&a, i, 7)
            #expect(a.rare != nil)
            #expect(Self.values(a) != empty, "field \(i)")
            var b = a  // shares the box
            Self.set(&b, i, 9)
            Self.set(&b, (i + 1) % 13, 11)
            var expectA = Sample(), expectB = Sample()
            Self.set(&expectA, i, 7)
            Self.set(&expectB, i, 9)
            Self.set(&expectB, (i + 1) % 13, 11)
            #expect(Self.values(a) == Self.values(expectA), "field \(i)")
            #expect(Self.values(b) == Self.values(expectB), "field \(i)")
            // What `sample(_:into:)` does before decoding: the reset drops the box.
            a = Sample(eventIndex: 0, misc: 0)
            #expect(a.rare == nil && Self.values(a) == empty)
            #expect(Self.values(b) == Self.values(expectB))
        }
        // The hot fields stay inline, and the Sample under the 256 bytes past which a copy costs ~3x.
        #expect(MemoryLayout<Sample>.size <= 256)
    }

    /// `reset`, which `sample(_:into:)` uses instead of assigning a new Sample, must give a new Sample's
    /// every field, whatever the sample held (a field added to Sample and not to `reset` fails here).
    @Test func resetEqualsANewSample() {
        var rng = SplitMix64(seed: 24)
        for round in 0..<64 {
            var s = Sample(eventIndex: Int(rng.next() % 5), misc: UInt16(truncatingIfNeeded: rng.next()))
            let p = UnsafeRawPointer(bitPattern: UInt(rng.next() | 8))
            (s.ip, s.time, s.addr, s.id, s.streamID) = (rng.next(), rng.next(), rng.next(), rng.next(), rng.next())
            (s.period, s.weight, s.dataSrc, s.regsUserABI, s.userStackDynSize) = (rng.next(), rng.next(), rng.next(), 2, 9)
            (s.pid, s.tid, s.cpu) = (7, 8, 3)
            s.callchain = U64View(base: p, count: 3, swaps: true)
            s.regsUser = U64View(base: p, count: 2, swaps: false)
            s.userStack = UnsafeRawBufferPointer(start: p, count: 16)
            if round % 2 == 1 { Self.set(&s, round % 13, rng.next() >> 8) }
            let kept = s  // shares the box: the reset must not touch it
            s.reset(eventIndex: round, misc: 0x4002)
            #expect(SampleHeadTests.Fields(s) == SampleHeadTests.Fields(Sample(eventIndex: round, misc: 0x4002)))
            #expect(s.callchain.swaps == false && s.regsUser.swaps == false && s.rare == nil)
            #expect(Self.values(kept) != Self.values(Sample()) || round % 2 == 0)
        }
    }
}
