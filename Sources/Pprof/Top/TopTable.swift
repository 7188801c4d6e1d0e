import BinaryIO

/// The table of `go tool pprof -top`: per function, the value of the samples it is the leaf of (flat)
/// and of those it is anywhere in (cum), computed as google/pprof's report does
/// (internal/report/report.go `newTrimmedGraph`, internal/graph/graph.go `newGraph`): functions
/// whose cum is under `nodeFraction` of the total are dropped, the rest sorted by flat (or cum), name,
/// then the other, and cut to `nodeCount`. A function is `(inline)` when every call edge into it (of
/// those at least `edgeFraction` of the total) is an inlined call, `(partial-inline)` when some are.
public struct TopTable: Sendable {
    public enum InlineLabel: String, Sendable { case none = "", inline = "(inline)", partial = "(partial-inline)" }

    public struct Row: Sendable, Equatable {
        public var name: String
        public var inline: InlineLabel
        public var flat: Int64
        public var cum: Int64
    }

    public struct Options: Sendable {
        public var nodeFraction = 0.005
        public var edgeFraction = 0.001
        /// At most this many rows (0: all), as pprof's `-nodecount`.
        public var nodeCount = 0
        /// Sorted by cum rather than flat (`-cum`).
        public var cumSort = false
        public init() {}
    }

    public let valueType: PprofProfile.ValueType
    public let rows: [Row]
    /// Sum of every sample's absolute value: what percentages are of.
    public let total: Int64
    /// Functions under the node cutoff, left out, and the cutoff (`Dropped N nodes (cum <= X)`).
    public let droppedNodes: Int
    public let nodeCutoff: Int64
    /// Functions before the cut to `nodeCount` (`Showing top N nodes out of M`).
    public let candidates: Int
    public var shownFlat: Int64 { rows.reduce(0) { $0.addingSaturating($1.flat) } }

    /// `total`: what percentages are of, when `s` is a selection of a profile (pprof keeps the whole
    /// profile's total under -focus and -tagfocus); by default the sum of `s`.
    public init(_ s: WeightedStacks, options o: Options = Options(), total: Int64? = nil) {
        valueType = s.valueType
        self.total = total ?? s.total
        var g = Graph(s, kept: nil)
        let graphTotal = g.nodes.reduce(Int64(0)) { $0.addingSaturating(g.flat[$1]) }
        let nodeCutoff = abs(Int64(saturating: Double(graphTotal) * o.nodeFraction))
        let edgeCutoff = abs(Int64(saturating: Double(graphTotal) * o.edgeFraction))
        var dropped = 0
        if nodeCutoff > 0 {
            let kept = g.nodes.filter { g.cum[$0].magnitude >= nodeCutoff.magnitude }
            if kept.count != g.nodes.count {
                dropped = g.nodes.count - kept.count
                g = Graph(s, kept: kept)
            }
        }
        candidates = g.nodes.count
        g.sort(s.names, cum: o.cumSort)
        if o.nodeCount > 0, g.nodes.count > o.nodeCount {
            g = Graph(s, kept: Array(g.nodes.prefix(o.nodeCount)))
            g.sort(s.names, cum: o.cumSort)
        }
        let labels = g.inlineLabels(edgeCutoff: edgeCutoff)
        rows = g.nodes.map { n in Row(name: s.names[n], inline: labels[n], flat: g.flat[n], cum: g.cum[n]) }
        droppedNodes = dropped
        self.nodeCutoff = abs(Int64(saturating: Double(self.total) * o.nodeFraction))
    }
}

extension WeightedStacks {
    /// Sum of every stack's absolute value (pprof's computeTotal).
    public var total: Int64 { stacks.reduce(Int64(0)) { $0.addingSaturating($1.value == .min ? .max : abs($1.value)) } }
}

/// pprof's graph of function nodes for one set of kept nodes (nil: all).
struct Graph {
    var flat: [Int64]
    var cum: [Int64]
    /// Nodes with a nonzero flat or cum, in name-id order until sorted.
    var nodes: [Int]
    /// Call edges (caller << 32 | callee): summed value, and whether every counted call was inlined.
    var edges: [UInt64: (weight: Int64, inline: Bool)] = [:]

    init(_ s: WeightedStacks, kept: [Int]?) {
        let n = s.names.count
        flat = [Int64](repeating: 0, count: n)
        cum = [Int64](repeating: 0, count: n)
        var keep: [Bool]? = nil
        if let kept {
            var k = [Bool](repeating: false, count: n)
            for i in kept { k[i] = true }
            keep = k
        }
        var seen = [Int](repeating: -1, count: n)
        var seenEdges = Set<UInt64>()
        for (si, st) in s.stacks.enumerated() where st.value != 0 {
            let w = st.value
            seenEdges.removeAll(keepingCapacity: true)
            var parent = -1
            var residual = false
            for i in st.range {
                let node = Int(s.frames[i])
                if let keep, !keep[node] { residual = true; continue }
                if seen[node] != si {
                    seen[node] = si
                    cum[node] = cum[node].addingSaturating(w)
                }
                if parent >= 0, node != parent {
                    let key = UInt64(parent) << 32 | UInt64(node)
                    if seenEdges.insert(key).inserted {
                        let e = edges[key]
                        edges[key] = ((e?.weight ?? 0).addingSaturating(w), (e?.inline ?? true) && s.inlined[i])
                    }
                }
                parent = node
                residual = false
            }
            if parent >= 0, !residual { flat[parent] = flat[parent].addingSaturating(w) }
        }
        let (f, c) = (flat, cum)
        nodes = (0..<n).filter { c[$0] != 0 || f[$0] != 0 }
    }

    /// pprof's FlatNameOrder / CumNameOrder.
    mutating func sort(_ names: [String], cum byCum: Bool) {
        let flat = self.flat, cum = self.cum
        nodes.sort { l, r in
            let (a1, b1) = byCum ? (cum[l].magnitude, cum[r].magnitude) : (flat[l].magnitude, flat[r].magnitude)
            if a1 != b1 { return a1 > b1 }
            if names[l] != names[r] { return utf8Less(names[l], names[r]) }
            let (a2, b2) = byCum ? (flat[l].magnitude, flat[r].magnitude) : (cum[l].magnitude, cum[r].magnitude)
            return a2 > b2
        }
    }

    /// Per node, from the edges into it that pprof keeps (weight at least the edge cutoff).
    func inlineLabels(edgeCutoff: Int64) -> [TopTable.InlineLabel] {
        var inline = [Bool](repeating: false, count: flat.count), noinline = inline
        for (key, e) in edges where e.weight.magnitude >= edgeCutoff.magnitude {
            let node = Int(key & 0xffff_ffff)
            if e.inline { inline[node] = true } else { noinline[node] = true }
        }
        return zip(inline, noinline).map { $0 ? ($1 ? .partial : .inline) : .none }
    }
}
