import BinaryIO

/// One folded line: frames root first, a count, and for differential input a first count too.
public struct FoldedStack: Sendable, Equatable {
    public var frames: [String]
    public var count: Double
    /// The first column of a two-column (`difffolded`) line.
    public var before: Double?
    /// How many samples `count` sums, when known (perf.data input: the count is then their periods).
    public var samples: Double?
    public init(frames: [String], count: Double, before: Double? = nil, samples: Double? = nil) {
        self.frames = frames
        self.count = count
        self.before = before
        self.samples = samples
    }
}

/// Parses folded text as flamegraph.pl does: `^(.*)\s+?(\d+(?:\.\d*)?)$`, and again on the stack for a
/// differential first column. Lines that do not match are counted, not fatal.
public struct FoldedParser {
    public private(set) var ignored = 0
    public init() {}

    public mutating func parse(_ text: String) -> [FoldedStack] {
        var text = text
        // Bytes, not Characters: grapheme-aware String walking was 60% of drawing 100k stacks.
        return text.withUTF8 { parse(bytes: UnsafeRawBufferPointer($0)) }
    }

    public mutating func parse(bytes b: UnsafeRawBufferPointer) -> [FoldedStack] {
        var out: [FoldedStack] = []
        var start = 0
        let n = b.count
        while start < n {
            var end = start
            while end < n, b[end] != 0x0a { end += 1 }
            var lineEnd = end
            if lineEnd > start, b[lineEnd - 1] == 0x0d { lineEnd -= 1 }
            defer { start = end + 1 }
            if end == start { continue }
            guard let (rest, count) = Self.splitCount(b, start, lineEnd) else {
                ignored += 1
                continue
            }
            var stackEnd = rest
            var before: Double?
            if let (s2, c1) = Self.splitCount(b, start, rest) {
                stackEnd = s2
                before = c1
            }
            var frames: [String] = []
            var f = start
            for i in start...stackEnd where i == stackEnd || b[i] == 0x3b {
                frames.append(String(decoding: UnsafeRawBufferPointer(rebasing: b[f..<i]), as: UTF8.self))
                f = i + 1
            }
            out.append(FoldedStack(frames: frames, count: count, before: before))
        }
        return out
    }

    /// A line's stack end and count (see `trailingCount`).
    static func splitCount(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (Int, Double)? {
        guard let (stackEnd, digits, hasDot) = trailingCount(b, start, end) else { return nil }
        if !hasDot, digits.count <= 18 {
            var x: UInt64 = 0
            for k in digits { x = x * 10 + UInt64(b[k] - 0x30) }
            return (stackEnd, Double(x))
        }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: b[digits]), as: UTF8.self)
        // 400 digits parse as infinity: such a line is invalid, as a count that no sum can hold.
        guard let d = Double(s.hasSuffix(".") ? s + "0" : s), d.isFinite, d < 1e300 else { return nil }
        return (stackEnd, d)
    }
}

/// A frame of the graph: name, depth (0 = the synthetic root), start and end in sample units.
public struct FrameNode: Sendable, Equatable {
    public var name: String
    public var depth: Int
    public var start: Double
    public var end: Double
    /// Differential graphs: the change attributed to this frame itself.
    public var delta: Double?
    /// The samples under this frame, when every stack said how many it holds.
    public var samples: Double?
}

/// flamegraph.pl's `flow()`: merges sorted (or time-ordered) stacks into frames.
public enum FrameMerger {
    public static func merge(_ stacks: [FoldedStack]) -> (nodes: [FrameNode], total: Double, maxDelta: Double) {
        var nodes: [FrameNode] = []
        // Open frames by depth: (name, start, delta).
        var open: [(name: String, start: Double, delta: Double?, samples: Double)] = []
        var last: [String] = []
        var time = 0.0
        var maxDelta = 0.0
        // Samples run beside time, so a frame's sample count is the difference at its ends.
        var sampleTime = 0.0
        let counted = !stacks.isEmpty && stacks.allSatisfy { $0.samples != nil }
        func flow(_ this: [String], _ v: Double, _ d: Double?) {
            var same = 0
            while same < last.count, same < this.count, last[same] == this[same] { same += 1 }
            var i = last.count - 1
            while i >= same {
                let o = open[i]
                nodes.append(FrameNode(name: o.name, depth: i, start: o.start, end: v, delta: o.delta,
                                       samples: counted ? sampleTime - o.samples : nil))
                i -= 1
            }
            open.removeSubrange(same...)
            // A line's change belongs to its leaf, and only when the leaf opens on this line (as flamegraph.pl).
            for j in same..<this.count {
                open.append((this[j], v, d.map { j == this.count - 1 ? $0 : 0 }, sampleTime))
            }
            last = this
        }
        for s in stacks {
            let d: Double? = s.before.map { s.count - $0 }
            if let d { maxDelta = max(maxDelta, abs(d)) }
            flow([""] + s.frames, time, d)
            time += s.count
            sampleTime += s.samples ?? 0
        }
        flow([], time, nil)
        return (nodes, time, maxDelta)
    }
}
