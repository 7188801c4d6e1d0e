/// One folded line: frames root first, a count, and for differential input a first count too.
public struct FoldedStack: Sendable, Equatable {
    public var frames: [String]
    public var count: Double
    /// The first column of a two-column (`difffolded`) line.
    public var before: Double?
    public init(frames: [String], count: Double, before: Double? = nil) {
        self.frames = frames
        self.count = count
        self.before = before
    }
}

/// Parses folded text as flamegraph.pl does: `^(.*)\s+?(\d+(?:\.\d*)?)$`, and again on the stack for a
/// differential first column. Lines that do not match are counted, not fatal.
public struct FoldedParser {
    public private(set) var ignored = 0
    public init() {}

    public mutating func parse(_ text: String) -> [FoldedStack] {
        var out: [FoldedStack] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            guard let (rest, count) = Self.splitCount(line) else {
                ignored += 1
                continue
            }
            var stack = rest
            var before: Double?
            if let (s2, c1) = Self.splitCount(rest) {
                stack = s2
                before = c1
            }
            out.append(FoldedStack(frames: stack.split(separator: ";", omittingEmptySubsequences: false).map(String.init),
                                   count: count, before: before))
        }
        return out
    }

    /// `(.*)\s+?(\d+(?:\.\d*)?)$`: a trailing non-negative number after whitespace.
    static func splitCount(_ line: Substring) -> (Substring, Double)? {
        var i = line.endIndex
        while i > line.startIndex, let c = line[line.index(before: i)].asciiValue, (c >= 0x30 && c <= 0x39) || c == 0x2e {
            i = line.index(before: i)
        }
        let num = line[i...]
        guard let first = num.first, first != ".", num.filter({ $0 == "." }).count <= 1, let v = Double(num.hasSuffix(".") ? num + "0" : num) else {
            return nil
        }
        guard i > line.startIndex, line[line.index(before: i)].isWhitespace else { return nil }
        // `\s+?` is lazy: exactly one whitespace character belongs to the separator.
        return (line[line.startIndex..<line.index(before: i)], v)
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
}

/// flamegraph.pl's `flow()`: merges sorted (or time-ordered) stacks into frames.
public enum FrameMerger {
    public static func merge(_ stacks: [FoldedStack]) -> (nodes: [FrameNode], total: Double, maxDelta: Double) {
        var nodes: [FrameNode] = []
        // Open frames by depth: (name, start, delta).
        var open: [(name: String, start: Double, delta: Double?)] = []
        var last: [String] = []
        var time = 0.0
        var maxDelta = 0.0
        func flow(_ this: [String], _ v: Double, _ d: Double?) {
            var same = 0
            while same < last.count, same < this.count, last[same] == this[same] { same += 1 }
            var i = last.count - 1
            while i >= same {
                let o = open[i]
                nodes.append(FrameNode(name: o.name, depth: i, start: o.start, end: v, delta: o.delta))
                i -= 1
            }
            open.removeSubrange(same...)
            // A line's change belongs to its leaf, and only when the leaf opens on this line (as flamegraph.pl).
            for j in same..<this.count {
                open.append((this[j], v, d.map { j == this.count - 1 ? $0 : 0 }))
            }
            last = this
        }
        for s in stacks {
            let d: Double? = s.before.map { s.count - $0 }
            if let d { maxDelta = max(maxDelta, abs(d)) }
            flow([""] + s.frames, time, d)
            time += s.count
        }
        flow([], time, nil)
        return (nodes, time, maxDelta)
    }
}
