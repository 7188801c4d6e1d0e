import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import PerfData

/// A sample's fixed-size head is read with one bounds check and loads at offsets computed per attr
/// (SampleFixedFields.swift). It must give what reading the fields one by one, in the kernel's order,
/// gives (the way AgainstPerfTests checks against perf): for every subset of the head's nine fields,
/// in both byte orders, with and without fields after it, and for bodies cut anywhere (the same error).
@Suite struct SampleHeadTests {
    /// Everything a decoded sample holds, comparable.
    struct Fields: Equatable {
        var scalars: [UInt64]
        var views: [Int]

        init(_ s: Sample) {
            scalars = [
                s.ip, UInt64(UInt32(bitPattern: s.pid)), UInt64(UInt32(bitPattern: s.tid)), s.time, s.addr, s.id,
                s.streamID, UInt64(s.cpu), s.period, s.weight, s.dataSrc, s.regsUserABI, s.userStackDynSize,
                UInt64(s.misc), UInt64(s.eventIndex), s.transaction, s.physAddr, s.cgroup, s.dataPageSize,
                s.codePageSize, s.regsIntrABI, UInt64(s.branchCount), s.branchHWIndex ?? .max,
            ]
            func at(_ p: UnsafeRawPointer?) -> Int { p.map { Int(bitPattern: $0) } ?? 0 }
            views = [
                at(s.callchain.base), s.callchain.count, at(s.regsUser.base), s.regsUser.count,
                at(s.userStack.baseAddress), s.userStack.count, at(s.readValues.base), s.readValues.count,
                at(s.raw.baseAddress), s.raw.count, at(s.branches.base), s.branches.count, at(s.regsIntr.base),
                s.regsIntr.count, at(s.aux.baseAddress), s.aux.count,
            ]
        }
    }

    /// The head's fields read one at a time, then the rest as `decode` reads it.
    static func checked(_ c: inout ByteCursor, _ l: SampleLayout, eventIndex: Int = 0, misc: UInt16 = 2)
        throws(ReadError) -> Sample
    {
        var s = Sample(eventIndex: eventIndex, misc: misc)
        try s.readHeadChecked(&c, l)
        if l.type.rawValue & SampleLayout.tailFields != 0 { try s.readTail(&c, l) }
        return s
    }

    static let headBits: [SampleFormat] = [.identifier, .ip, .tid, .time, .addr, .id, .streamID, .cpu, .period]

    @Test(arguments: [ByteOrder.little, .big])
    func headEqualsFieldByField(_ order: ByteOrder) throws {
        var rng = SplitMix64(seed: order == .big ? 2 : 1)
        var bytes = [UInt8](repeating: 0, count: 512)
        var compared = 0, cut = 0
        for subset in 0..<(1 << Self.headBits.count) {
            var type = SampleFormat()
            for (i, b) in Self.headBits.enumerated() where subset & (1 << i) != 0 { type.insert(b) }
            // Half of them with the tail `-g` and `--call-graph dwarf` record after the head (a quarter with an
            // empty stack dump), an eighth with a tail field only the checked reader reads.
            if subset % 2 == 1 { type.formUnion([.callchain, .regsUser, .stackUser, .weight, .dataSrc]) }
            if subset % 8 == 7 { type.insert(.transaction) }
            var attr = EventAttr()
            attr.sampleType = type
            attr.sampleRegsUser = 0b111
            attr.samplePeriodOrFreq = 4_000
            let l = SampleLayout(attr)
            #expect(l.head.size == 8 * type.intersection(SampleFormat(Self.headBits)).rawValue.nonzeroBitCount)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            var whole = l.head.size
            func put(_ v: UInt64, skipping n: Int = 0) {
                withUnsafeBytes(of: order == .big ? v.bigEndian : v.littleEndian) {
                    bytes.replaceSubrange(whole..<whole + 8, with: $0)
                }
                whole += 8 + n
            }
            if type.contains(.callchain) {
                let stack: UInt64 = subset % 4 == 1 ? 0 : 16
                put(3, skipping: 24)  // callchain: nr, 3 entries
                put(2, skipping: 24)  // regs_user: abi, 3 registers
                put(stack, skipping: Int(stack))  // stack_user: size, bytes
                if stack != 0 { whole += 8 }  // dyn_size
                whole += 16  // weight, data_src
                if type.contains(.transaction) { whole += 8 }
            }
            bytes.withUnsafeBytes { all in
                for length in [whole, whole + 8] + Array(0..<whole) {
                    let body = ByteCursor(UnsafeRawBufferPointer(rebasing: all[0..<length]), origin: 100, order: order)
                    var fast = body, slow = body, straight = body
                    let a = Result { () throws(ReadError) in try Sample.decode(&fast, layout: l, eventIndex: 0, misc: 2) }
                    let b = Result { () throws(ReadError) in try Self.checked(&slow, l) }
                    var s = Sample(eventIndex: 0, misc: 2)
                    let fastTail = type.rawValue & SampleLayout.tailFields & ~Sample.fastTailFields == 0 && order == .host
                    let read = s.decodeFast(&straight, l)
                    switch (a, b) {
                    case let (.success(x), .success(y)):
                        #expect(Fields(x) == Fields(y), "type \(type) length \(length)")
                        #expect(fast.position == slow.position)
                        #expect(read == fastTail, "type \(type) length \(length)")
                        if read {
                            #expect(Fields(s) == Fields(y), "type \(type) length \(length)")
                            #expect(straight.position == slow.position)
                        }
                        compared += 1
                    case let (.failure(x), .failure(y)):
                        #expect(x == y, "type \(type) length \(length)")
                        #expect(!read && straight.position == 0)
                        cut += 1
                    default:
                        Issue.record("type \(type) length \(length): \(a) but field by field \(b)")
                    }
                }
            }
        }
        #expect(compared >= 2 * 512 && cut > 10_000)
    }

    /// Every sample of every committed capture decodes the same both ways.
    @Test func capturesDecodeAsFieldByField() throws {
        let dir = Paths.fixtures.appendingPathComponent("perf")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".data") }.sorted()
        var samples = 0
        for name in names {
            let file = try PerfFile(path: dir.appendingPathComponent(name).path)
            var reader = file.records()
            while let rec = try? reader.nextRecord() {
                guard rec.type == .sample else { continue }
                guard let s = try? file.sample(rec) else { continue }
                var c = rec.body
                let r = try Self.checked(&c, file.events[s.eventIndex].layout, eventIndex: s.eventIndex, misc: rec.misc)
                #expect(Fields(s) == Fields(r), "\(name) at \(rec.offset)")
                samples += 1
            }
        }
        #expect(samples > 10_000)
    }
}
