import BinaryIO
import Collapse

/// Stacks with one value each, root first, every frame marked when it is inlined into the frame
/// before it (its caller): the values of one sample type of a profile, or folded text read back.
/// `TopTable` computes from it; `folded()` writes it as folded text.
public struct WeightedStacks: Sendable {
    public var valueType: PprofProfile.ValueType
    public var names: [String] = []
    /// All stacks' frames (name ids), one stack after another.
    public var frames: [UInt32] = []
    /// Per frame: inlined into its caller (in pprof, not the last line of its Location).
    public var inlined: [Bool] = []
    /// Per stack: its frames' range in `frames`, and its value.
    public var stacks: [(range: Range<Int>, value: Int64)] = []
    /// Lines of folded text without an integer count (when read from folded text).
    public var skipped = 0

    public init(valueType: PprofProfile.ValueType, names: [String] = []) {
        self.valueType = valueType
        self.names = names
    }

    /// Folded text: `root;...;leaf value` lines sorted by bytes, equal stacks merged, names made safe
    /// for folded text. Stacks with value 0 are left out; so are negative values (a difference of
    /// profiles), which folded text cannot hold: `negative` counts them. `markInline`: inlined frames
    /// end in `_[i]`, as collapse --annotate-inline marks them (read back by `init(folded:)`).
    public func folded(markInline: Bool = false) -> (text: [UInt8], negative: Int) {
        let encoded = names.map { foldedFrameName($0) }
        let mark = Array("_[i]".utf8)
        var sums: [[UInt8]: UInt64] = [:]
        var negative = 0
        var line: [UInt8] = []
        for s in stacks {
            if s.value < 0 { negative += 1 }
            guard s.value > 0, !s.range.isEmpty else { continue }
            line.removeAll(keepingCapacity: true)
            for i in s.range {
                if i > s.range.lowerBound { line.append(0x3b) }
                line.append(contentsOf: encoded[Int(frames[i])])
                if markInline, inlined[i] { line.append(contentsOf: mark) }
            }
            let (sum, o) = sums[line, default: 0].addingReportingOverflow(UInt64(s.value))
            sums[line] = o ? .max : sum
        }
        var out: [UInt8] = []
        for (stack, v) in sums.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out.append(contentsOf: stack)
            out.append(0x20)
            appendDecimal(v, to: &out)
            out.append(0x0a)
        }
        return (out, negative)
    }
}

extension PprofProfile {
    /// The values of sample type `index` as stacks, root first: a sample's Locations reversed, and
    /// within each its lines reversed (the physical function, then what is inlined into it).
    public func stacks(index: Int) -> WeightedStacks {
        var w = WeightedStacks(valueType: sampleTypes[index], names: names)
        w.stacks.reserveCapacity(sampleCount)
        for (locs, values) in zip(sampleLocations, sampleValues) {
            let start = w.frames.count
            for l in locs.reversed() {
                let lines = locations[Int(l)]
                for (k, f) in lines.enumerated().reversed() {
                    w.frames.append(f)
                    w.inlined.append(k != lines.count - 1)
                }
            }
            w.stacks.append((start..<w.frames.count, values[index]))
        }
        return w
    }
}

extension WeightedStacks {
    /// Folded text read back (`a;b;c 12` lines): frames inlined when marked `_[i]` (collapse
    /// --annotate-inline), the mark removed. Lines without an integer count are counted in `skipped`.
    public init(folded text: UnsafeRawBufferPointer, valueType: PprofProfile.ValueType) {
        self.init(valueType: valueType)
        var ids: [Substring: UInt32] = [:]
        let s = String(decoding: text, as: UTF8.self)
        for line in s.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let sp = line.lastIndex(where: { $0 == " " || $0 == "\t" }),
                  let v = Int64(line[line.index(after: sp)...]) else { skipped += 1; continue }
            let start = frames.count
            for var f in line[..<sp].split(separator: ";", omittingEmptySubsequences: false) {
                let inl = f.hasSuffix("_[i]")
                if inl { f = f.dropLast(4) }
                let id: UInt32
                if let known = ids[f] { id = known } else {
                    id = UInt32(names.count)
                    names.append(String(f))
                    ids[f] = id
                }
                frames.append(id)
                inlined.append(inl)
            }
            stacks.append((start..<frames.count, v))
        }
    }
}
