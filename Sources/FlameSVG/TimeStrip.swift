import BinaryIO

/// A strip above the flame graph, FlameScope-like: sample density over time (stacked by category, e.g.
/// GC state) with spans drawn on it (GC cycles as a band, pauses on the top lane, assists on the bottom
/// lane). Dragging across it redraws the graph for that window in the browser, from per-bin stack counts
/// embedded in the SVG; the graph first drawn is the whole capture, as without the strip.
public struct TimeStrip: Sendable {
    public enum Lane: Sendable { case band, top, bottom }
    public struct Span: Sendable {
        public var lane: Lane
        public var start: UInt64
        public var end: UInt64
        /// Tooltip text; spans merged within one pixel are summarised as "N <kind>s, total …".
        public var label: String
        public var kind: String
        public var color: String
        public init(lane: Lane, start: UInt64, end: UInt64, kind: String, label: String, color: String) {
            (self.lane, self.start, self.end, self.kind, self.label, self.color) = (
                lane, start, end, kind, label, color
            )
        }
        /// Its duration; 0 for a span that ends before it starts (a trace's times are the file's).
        public var length: UInt64 { end >= start ? end - start : 0 }
    }
    public struct Sample: Sendable {
        public var time: UInt64
        /// Index into `stacks`.
        public var stack: Int
        /// Its weight in the flame graph (a period, in `FlameGraphOptions.weightUnit`); the strip's density
        /// counts samples.
        public var weight: Double
        /// Index into `categories`.
        public var category: Int
        public init(time: UInt64, stack: Int, weight: Double, category: Int) {
            (self.time, self.stack, self.weight, self.category) = (time, stack, weight, category)
        }
    }
    public struct Category: Sendable {
        public var name: String
        public var color: String
        public init(name: String, color: String) { (self.name, self.color) = (name, color) }
    }

    /// Unique stacks, root first.
    public var stacks: [[String]]
    public var samples: [Sample]
    public var categories: [Category]
    public var spans: [Span]
    /// Height of the strip, axis, legend and the window's line included.
    public var height = 114.0
    /// The perf time the axis counts from (a Go trace's start), so that times read as `go tool trace`
    /// shows them; nil: perf's own times, as perf script prints them.
    public var origin: UInt64?
    /// What `origin` is, for the axis: `since trace start`.
    public var originName = "since trace start"

    public init(stacks: [[String]], samples: [Sample], categories: [Category], spans: [Span]) {
        (self.stacks, self.samples, self.categories, self.spans) = (stacks, samples, categories, spans)
    }
}

/// The strip laid out: bins of `binNs` from `start`, stacks in flame-graph order.
struct StripLayout {
    var start: UInt64
    var binNs: UInt64
    var bins: Int
    var binWidth: Double
    /// Stacks sorted as the graph sorts them; `order[old] = new`.
    var sortedStacks: [[String]]
    var order: [Int]
    /// Per bin: stack index (sorted) -> weight and samples, in stack order.
    var binStacks: [[(stack: Int, weight: Double, samples: Double)]]
    var binCategories: [[Double]]

    init(_ s: TimeStrip, plotWidth: Double) {
        bins = max(1, Int(plotWidth / 2))
        binWidth = plotWidth / Double(bins)
        let lo = s.samples.map(\.time).min() ?? 0
        let hi = s.samples.map(\.time).max() ?? 0
        start = lo
        // ceil((hi - lo + 1) / bins), written so that sample times 0 and UInt64.max cannot overflow it.
        let n = UInt64(bins), d = hi - lo
        binNs = d == .max && n == 1 ? .max : d / n + 1
        let keys = s.stacks.map { Array($0.joined(separator: ";").utf8) }
        let sorted = keys.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
        order = Array(repeating: 0, count: s.stacks.count)
        for (new, old) in sorted.enumerated() { order[old] = new }
        sortedStacks = sorted.map { s.stacks[$0] }
        var perBin = Array(repeating: [Int: (Double, Double)](), count: bins)
        binCategories = Array(repeating: Array(repeating: 0, count: s.categories.count), count: bins)
        for x in s.samples {
            let b = Int((x.time - lo) / binNs)
            perBin[b][order[x.stack], default: (0, 0)].0 += x.weight
            perBin[b][order[x.stack], default: (0, 0)].1 += 1
            binCategories[b][x.category] += 1
        }
        binStacks = perBin.map { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value.0, $0.value.1) } }
    }

    /// `start` plus `k`/`d` of the strip's span (`binNs * bins`), saturating at UInt64.max.
    func time(atFraction k: UInt64, of d: UInt64) -> UInt64 {
        let (total, o1) = binNs.multipliedReportingOverflow(by: UInt64(bins))
        let (part, o2) = total.multipliedReportingOverflow(by: k)
        let offset = o1 || o2 ? (o1 ? .max : total) / d * k : part / d
        let (t, o3) = start.addingReportingOverflow(offset)
        return o3 ? .max : t
    }

    func x(_ t: UInt64, x0: Double) -> Double {
        let clamped = min(max(t, start), time(atFraction: 1, of: 1))
        return x0 + Double(clamped - start) / Double(binNs) * binWidth
    }
}

extension FlameGraph {
    /// A flame graph of every sample with the time strip above it.
    public mutating func render(strip: TimeStrip) -> String {
        let layout = StripLayout(strip, plotWidth: options.width - 20)
        var totals = Array(repeating: 0.0, count: strip.stacks.count)
        var counts = Array(repeating: 0.0, count: strip.stacks.count)
        for s in strip.samples {
            totals[layout.order[s.stack]] += s.weight
            counts[layout.order[s.stack]] += 1
        }
        let stacks = layout.sortedStacks.indices.compactMap { i in
            totals[i] > 0 ? FoldedStack(frames: layout.sortedStacks[i], count: totals[i], samples: counts[i]) : nil
        }
        return render(stacks: stacks, strip: (strip, layout))
    }

    /// The strip's elements, drawn under the title between `top` and `top + strip.height`.
    func stripSVG(_ strip: TimeStrip, _ l: StripLayout, top: Double, xpad: Double) -> String {
        let laneH = 8.0
        let densityTop = top + laneH + 2
        // Under the lanes: the axis, the legend and the window's line, 14 px each.
        let densityH = strip.height - 2 * laneH - 4 - 44
        let bottomLane = densityTop + densityH + 2
        let x0 = xpad
        let plotW = Double(l.bins) * l.binWidth
        var s = "<g id=\"timeline\">\n"
        s +=
            "<rect id=\"tl-bg\" x=\"\(f1(x0))\" y=\"\(f1(top))\" width=\"\(f1(plotW))\" height=\"\(f1(bottomLane + laneH - top))\" fill=\"rgb(255,255,255)\" stroke=\"rgb(190,190,190)\" stroke-width=\"0.5\" />\n"
        // Spans merged within a pixel per lane, so a trace with thousands of assists stays light.
        for lane in [TimeStrip.Lane.band, .top, .bottom] {
            let (y, h): (Double, Double) = switch lane {
            case .band: (densityTop, densityH)
            case .top: (top + 1, laneH)
            case .bottom: (bottomLane, laneH)
            }
            let spans = strip.spans.filter { $0.lane == lane }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
            var i = 0
            while i < spans.count {
                var j = i + 1
                var x2 = max(l.x(spans[i].end, x0: x0), l.x(spans[i].start, x0: x0) + 1)
                var total = spans[i].length
                while j < spans.count, spans[j].kind == spans[i].kind, l.x(spans[j].start, x0: x0) <= x2 + 0.5 {
                    x2 = max(x2, l.x(spans[j].end, x0: x0), l.x(spans[j].start, x0: x0) + 1)
                    total = total.addingReportingOverflow(spans[j].length).overflow ? .max : total + spans[j].length
                    j += 1
                }
                let x1 = l.x(spans[i].start, x0: x0)
                let title =
                    j - i == 1
                    ? spans[i].label : "\(j - i) \(spans[i].kind)s, total \(cFormat("%.3f", Double(total) / 1e6)) ms"
                s +=
                    "<rect class=\"tl-span\" x=\"\(f2(x1))\" y=\"\(f1(y))\" width=\"\(f2(max(x2 - x1, 1)))\" height=\"\(f1(h))\" fill=\"\(xmlEscape(spans[i].color))\"><title>\(xmlEscape(title))</title></rect>\n"
                i = j
            }
        }
        let peak = l.binCategories.map { $0.reduce(0, +) }.max() ?? 0
        if peak > 0 {
            s += "<g id=\"tl-density\">\n"
            for (b, cats) in l.binCategories.enumerated() {
                var y = densityTop + densityH
                for (c, w) in cats.enumerated() where w > 0 {
                    let h = densityH * w / peak
                    y -= h
                    s +=
                        "<rect x=\"\(f2(x0 + Double(b) * l.binWidth))\" y=\"\(f2(y))\" width=\"\(f2(l.binWidth))\" height=\"\(f2(h))\" fill=\"\(xmlEscape(strip.categories[c].color))\" />\n"
                }
            }
            s += "</g>\n"
        }
        s +=
            "<rect id=\"tl-sel\" class=\"hide\" x=\"\(f1(x0))\" y=\"\(f1(top))\" width=\"0\" height=\"\(f1(bottomLane + laneH - top))\" fill=\"rgb(60,100,230)\" fill-opacity=\"0.25\" stroke=\"rgb(60,100,230)\" />\n"
        let axisY = bottomLane + laneH + 13
        for k in 0...4 {
            let t = l.time(atFraction: UInt64(k), of: 4)
            let anchor = k == 0 ? "start" : k == 4 ? "end" : "middle"
            s +=
                "<text class=\"tl-axis\" x=\"\(f2(x0 + plotW * Double(k) / 4))\" y=\"\(f1(axisY))\" text-anchor=\"\(anchor)\" style=\"font-size:10px\">\(xmlEscape(axisLabel(strip, t, first: k == 0)))</text>\n"
        }
        var legendX = x0
        let legendY = axisY + 14
        var legend: [(String, String)] = strip.categories.map { ($0.name, $0.color) }
        var seenKinds = Set<String>()
        for sp in strip.spans where seenKinds.insert(sp.kind).inserted { legend.append(("[\(sp.kind)]", sp.color)) }
        for (name, color) in legend {
            s += "<rect x=\"\(f1(legendX))\" y=\"\(f1(legendY - 8))\" width=\"8\" height=\"8\" fill=\"\(xmlEscape(color))\" />"
            s += "<text x=\"\(f1(legendX + 11))\" y=\"\(f1(legendY))\" style=\"font-size:10px\">\(xmlEscape(name))</text>\n"
            legendX += 11 + Double(name.unicodeScalars.count) * 6 + 12
        }
        // The window's line has a row of its own: its text grows after a drag, and must not run into the legend.
        s +=
            "<text id=\"tl-info\" x=\"\(f2(x0))\" y=\"\(f1(legendY + 14))\" style=\"font-size:10px\">drag across the strip to draw a time window</text>\n"
        s +=
            "<text id=\"tl-all\" class=\"hide\" x=\"\(f2(x0 + plotW))\" y=\"\(f1(legendY + 14))\" text-anchor=\"end\" style=\"font-size:10px; cursor:pointer\">[whole capture]</text>\n"
        s += "</g>\n"
        return s
    }

    /// An axis tick: seconds since `origin` (the first tick says since what), else perf's seconds.
    func axisLabel(_ strip: TimeStrip, _ t: UInt64, first: Bool) -> String {
        guard let o = strip.origin else { return perfSeconds(t) + " s" }
        let rel = t >= o ? Double(t - o) / 1e9 : -(Double(o - t) / 1e9)
        return cFormat("%.3f s", rel) + (first ? " \(strip.originName)" : "")
    }

    /// The JavaScript's `unit` and `unitName` fields: what `FlameGraphOptions.weightUnit` says.
    var unitJS: String {
        switch options.weightUnit {
        case nil: "unit: null, unitName: \"\""
        case .samples: "unit: \"samples\", unitName: \"\""
        case .nanoseconds: "unit: \"ns\", unitName: \"\""
        case .events(let name): "unit: \"events\", unitName: \"\(jsEscape(name))\""
        }
    }

    /// The strip's data for the script: bins, stacks as name indexes, colours, layout constants.
    func stripData(
        _ strip: TimeStrip, _ l: StripLayout, top: Double, imageHeight: Double, ypad1: Double, ypad2: Double,
        xpad: Double
    ) -> String {
        var names: [String] = []
        var index: [String: Int] = [:]
        var out = ""
        out +=
            "\tvar tl = {t0: \(l.start), binNs: \(l.binNs), nbins: \(l.bins), x0: \(num(xpad)), bw: \(l.binWidth), top: \(num(top)), height: \(num(strip.height)),\n"
        out +=
            "\t\timageHeight: \(num(imageHeight)), ypad1: \(num(ypad1)), ypad2: \(num(ypad2)), frameHeight: \(num(options.frameHeight)), plotWidth: \(num(options.width - 2 * xpad)),\n"
        out +=
            "\t\tminWidth: \(options.minWidth), minWidthPct: \(options.minWidthIsPercent), factor: \(options.factor), countName: \"\(jsEscape(options.countName))\",\n"
        out +=
            "\t\t\(unitJS), origin: \(strip.origin.map { String($0) } ?? "null"), originName: \"\(jsEscape(strip.originName))\",\n"
        out += "\t\trootColor: \"\(jsEscape(Colors.color(options.colors, hash: options.hash, name: "")))\",\n"
        out += "\t\tcategories: [\(strip.categories.map { "\"\(jsEscape($0.name))\"" }.joined(separator: ","))],\n"
        out += "\t\tstacks: ["
        for (i, st) in l.sortedStacks.enumerated() {
            if i > 0 { out.append(",") }
            out += "["
            for (j, f) in st.enumerated() {
                if j > 0 { out.append(",") }
                let k: Int
                if let e = index[f] { k = e } else { k = names.count; index[f] = k; names.append(f) }
                out += String(k)
            }
            out += "]"
        }
        out += "],\n\t\tbins: ["
        for (b, list) in l.binStacks.enumerated() {
            if b > 0 { out.append(",") }
            out += "["
            for (j, e) in list.enumerated() {
                if j > 0 { out.append(",") }
                out += "\(e.stack),\(num(e.weight)),\(num(e.samples))"
            }
            out += "]"
        }
        out += "],\n\t\tcats: ["
        for (b, cats) in l.binCategories.enumerated() {
            if b > 0 { out.append(",") }
            out += "[\(cats.map(num).joined(separator: ","))]"
        }
        out += "],\n\t\tnames: ["
        for (i, n) in names.enumerated() {
            if i > 0 { out.append(",") }
            out += "\"\(jsEscape(n))\""
        }
        out += "],\n\t\tcolors: ["
        for (i, n) in names.enumerated() {
            if i > 0 { out.append(",") }
            out += "\"\(jsEscape(options.paletteMap[n] ?? Colors.color(options.colors, hash: options.hash, name: n)))\""
        }
        out += "]};\n"
        return out
    }
}
