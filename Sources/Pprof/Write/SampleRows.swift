// The profile's samples as flat rows, encoded by hand into profile.proto's `Sample` messages: one
// swift-protobuf message per sample, each with its label messages, and swift-protobuf's sizing of
// nested messages at every level were a fifth of writing the bench capture's profile. The bytes are
// swift-protobuf's own (SampleRowsTests compares them on real captures); `messages()` gives the
// messages for readers of `PprofResult.profile`.

/// One profile.proto `Label`; fields that are 0 are not written (proto3).
struct LabelRow: Equatable {
    var key: Int64, str: Int64 = 0, num: Int64 = 0, numUnit: Int64 = 0
}

struct SampleRows {
    /// Location ids per stack, leaf first; each sample names one.
    var stacks: [[UInt64]] = []
    /// Per sample: its stack, the end of its labels in `labels`.
    var stackOf: [Int32] = []
    var labelEnds: [Int] = []
    var labels: [LabelRow] = []
    /// Per sample: samples/count and (with two sample types) the period sum.
    var counts: [Int64] = []
    var weights: [Int64] = []
    var valueCount = 2

    var count: Int { stackOf.count }

    func labels(of i: Int) -> ArraySlice<LabelRow> { labels[(i == 0 ? 0 : labelEnds[i - 1])..<labelEnds[i]] }

    func values(of i: Int) -> [Int64] { valueCount == 2 ? [counts[i], weights[i]] : [counts[i]] }

    /// The samples as swift-protobuf messages.
    func messages() -> [Perftools_Profiles_Sample] {
        (0..<count).map { i in
            var s = Perftools_Profiles_Sample()
            s.locationID = stacks[Int(stackOf[i])]
            s.value = values(of: i)
            s.label = labels(of: i).map { r in
                var l = Perftools_Profiles_Label()
                l.key = r.key
                l.str = r.str
                l.num = r.num
                l.numUnit = r.numUnit
                return l
            }
            return s
        }
    }

    /// Appends every sample as field 2 of a `Profile`, as swift-protobuf writes it: packed location ids
    /// (1) and values (2), then the labels (3), fields in number order, zero scalars and empty arrays left out.
    func encode(into out: inout [UInt8]) {
        var sizes: [Int] = []
        sizes.reserveCapacity(count)
        var total = 0
        for i in 0..<count {
            let (ids, values) = packedSizes(i)
            var size = 0
            if ids > 0 { size &+= delimitedSize(ids) }
            if values > 0 { size &+= delimitedSize(values) }
            for l in labels(of: i) { size &+= delimitedSize(labelSize(l)) }
            sizes.append(size)
            total &+= delimitedSize(size)
        }
        out.appendWritten(count: total) { w in
            for i in 0..<count {
                w.header(0x12, sizes[i])
                write(i, &w)
            }
        }
    }

    /// The packed location ids' and values' sizes of sample `i`.
    private func packedSizes(_ i: Int) -> (ids: Int, values: Int) {
        var ids = 0
        for id in stacks[Int(stackOf[i])] { ids &+= varintSize(id) }
        let values = varintSize(UInt64(bitPattern: counts[i]))
            &+ (valueCount == 2 ? varintSize(UInt64(bitPattern: weights[i])) : 0)
        return (ids, values)
    }

    private func write(_ i: Int, _ w: inout ProtoWriter) {
        let (idsSize, valuesSize) = packedSizes(i)
        if idsSize > 0 {
            w.header(0x0a, idsSize)
            for id in stacks[Int(stackOf[i])] { w.varint(id) }
        }
        if valuesSize > 0 {
            w.header(0x12, valuesSize)
            w.varint(UInt64(bitPattern: counts[i]))
            if valueCount == 2 { w.varint(UInt64(bitPattern: weights[i])) }
        }
        for l in labels(of: i) {
            w.header(0x1a, labelSize(l))
            w.field(0x08, UInt64(bitPattern: l.key))
            w.field(0x10, UInt64(bitPattern: l.str))
            w.field(0x18, UInt64(bitPattern: l.num))
            w.field(0x20, UInt64(bitPattern: l.numUnit))
        }
    }

    private func labelSize(_ l: LabelRow) -> Int {
        fieldSize(l.key) &+ fieldSize(l.str) &+ fieldSize(l.num) &+ fieldSize(l.numUnit)
    }


}

@inline(__always) func varintSize(_ v: UInt64) -> Int {
    // 7 bits per byte; 0 takes one byte.
    (64 &- (v | 1).leadingZeroBitCount &+ 6) / 7
}

@inline(__always) func putVarint(_ v: UInt64, _ out: inout [UInt8]) {
    var v = v
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(truncatingIfNeeded: v))
}
