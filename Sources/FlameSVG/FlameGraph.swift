import BinaryIO



/// flamegraph.pl's options, same names and defaults.
public struct FlameGraphOptions: Sendable {
    public var title = "Flame Graph"
    public var subtitle = ""
    public var width = 1200.0
    public var frameHeight = 16.0
    public var fontType = "Verdana"
    public var fontSize = 12.0
    public var fontWidth = 0.59
    /// Pixels, or a percentage of the total when `minWidthIsPercent`.
    public var minWidth = 0.1
    public var minWidthIsPercent = false
    public var countName = "samples"
    /// What the counts are (perf.data input): frames then say `412 samples, 412.0 ms` instead of
    /// `N <countName>`. Nil for folded text, labelled with `countName` as flamegraph.pl labels it.
    public var weightUnit: WeightUnit?
    public var nameType = "Function:"
    public var notes = ""
    public var factor = 1.0
    public var total: Double?
    public var colors = "hot"
    public var bgColors: String?
    public var hash = false
    /// flamegraph.pl --random: each frame its own colour, not its name's. Drawn from a fixed seed, so the
    /// same input still gives the same bytes.
    public var random = false
    /// name -> rgb(...) from a palette file (`--cp`).
    public var paletteMap: [String: String] = [:]
    public var reverse = false
    public var inverted = false
    public var flameChart = false
    public var negate = false
    public var searchColor = "rgb(230,0,230)"
    /// Per-frame extra attributes (`--nameattr`): name -> [(attr, value)].
    public var nameAttributes: [String: [(String, String)]] = [:]
    public init() {}

    /// When title is left as the default, flamegraph.pl changes it for icicles and flame charts.
    var effectiveTitle: String {
        guard title == "Flame Graph" else { return title }
        if flameChart { return "Flame Chart" }
        if inverted { return "Icicle Graph" }
        return title
    }
}

public struct FlameGraph {
    public var options: FlameGraphOptions
    public private(set) var warnings: [String] = []
    /// Colours given to names (for `--cp` palette files).
    public private(set) var usedColors: [String: String] = [:]
    /// The input held no stack with a count: the SVG is flamegraph.pl's error image, not a graph.
    public private(set) var noInput = false
    private var randomColors = RandomColors()
    public init(options: FlameGraphOptions = FlameGraphOptions()) { self.options = options }

    /// Renders folded text (one or two count columns) to a self-contained SVG.
    public mutating func render(folded text: String) -> String { render(folded: text, counted: false) }

    /// As `render(folded:)`; with `counted`, two-column lines are `stack samples weight`
    /// (`PerfCollapser.foldedCounted`), not differential, and frames are labelled with both.
    public mutating func render(folded text: String, counted: Bool) -> String {
        var parser = FoldedParser()
        var stacks = parser.parse(text)
        if parser.ignored > 0 { warnings.append("Ignored \(parser.ignored) lines with invalid format") }
        if counted {
            stacks = stacks.map { FoldedStack(frames: $0.frames, count: $0.count, samples: $0.before) }
        }
        if options.reverse {
            stacks = stacks.map {
                FoldedStack(frames: $0.frames.reversed(), count: $0.count, before: $0.before, samples: $0.samples)
            }
        }
        if !options.flameChart {
            // Keys computed once per stack, not per comparison (100k stacks: 7 s -> well under 1 s).
            let keys = stacks.map(Self.lineKey)
            let order = keys.indices.sorted { a, b in
                keys[a].lexicographicallyPrecedes(keys[b]) || (keys[a] == keys[b] && a < b)
            }
            stacks = order.map { stacks[$0] }
        }
        return render(stacks: stacks)
    }

    /// flamegraph.pl sorts whole lines as strings: the stack text decides.
    static func lineKey(_ s: FoldedStack) -> [UInt8] { Array(s.frames.joined(separator: ";").utf8) }

    public mutating func render(stacks: [FoldedStack]) -> String { render(stacks: stacks, strip: nil) }

    /// Where things go: paddings as flamegraph.pl's, the strip and the Go legend above the frames.
    struct Geometry {
        var xpad = 10.0, ypad1 = 0.0, ypad2 = 0.0, ypad3 = 0.0, stripTop = 0.0
        var legend = false
        var imageHeight = 0.0
        var timeMax = 0.0
        var widthPerTime = 0.0
        let framePad = 1.0
    }

    func geometry(timeMax: Double, strip: (TimeStrip, StripLayout)?) -> Geometry {
        let o = options
        var g = Geometry()
        g.timeMax = timeMax
        g.stripTop = o.fontSize * 3 + (o.subtitle.isEmpty ? 0 : o.fontSize * 2)
        g.ypad3 = o.fontSize * 2
        // The strip sits under the title (and subtitle); the frames start below it.
        // The Go palette says what its colours mean in a row above the frames.
        g.legend = o.colors == "go" && strip == nil && o.paletteMap.isEmpty && !o.random
        let legendHeight = g.legend ? o.fontSize * 1.5 : 0
        g.ypad1 =
            o.fontSize * 3 + (strip.map { $0.0.height + 10 + (o.subtitle.isEmpty ? 0 : g.ypad3) } ?? 0) + legendHeight
        g.ypad2 = o.fontSize * 2 + 10
        g.widthPerTime = (o.width - 2 * g.xpad) / timeMax
        return g
    }

    mutating func render(stacks: [FoldedStack], strip: (TimeStrip, StripLayout)?) -> String {
        let o = options
        var (nodes, timeMax, maxDelta) = FrameMerger.merge(stacks)
        if let t = o.total {
            if t < timeMax {
                if timeMax / t > 1.02 {
                    warnings.append("Specified --total \(t) is less than actual total \(timeMax), so ignored")
                }
            } else {
                timeMax = t
            }
        }
        if !timeMax.isFinite {
            // Counts below 1e300 each, but enough of them: no width can be given to a frame.
            warnings.append("ERROR: the counts add up to more than a double holds (\(timeMax)); no graph drawn.")
            return errorSVG(width: o.width, message: "ERROR: the counts add up to more than a double holds.")
        }
        if timeMax == 0 {
            noInput = true
            warnings.append("ERROR: No valid input provided to flamegraph.pl.")
            return errorSVG(width: o.width, message: "ERROR: No valid input provided to flamegraph.pl.")
        }
        // The sample count when known: a weight in nanoseconds says nothing of how many samples there were.
        let rootSamples = nodes.first { $0.depth == 0 }?.samples
        if let n = rootSamples, o.weightUnit != nil {
            if n < 100 {
                warnings.append("Stack count is low (\(Int(saturating: n)) samples). Did something go wrong?")
            }
        } else if timeMax < 100, o.countName == "samples" {
            warnings.append("Stack count is low (\(Int(saturating: timeMax))). Did something go wrong?")
        }
        var g = geometry(timeMax: timeMax, strip: strip)
        let minWidthTime = o.minWidthIsPercent ? timeMax * o.minWidth / 100 : o.minWidth / g.widthPerTime
        nodes.removeAll { n in
            let end = (n.name.isEmpty && n.depth == 0) ? timeMax : n.end
            return end - n.start < minWidthTime && !(n.name.isEmpty && n.depth == 0)
        }
        let depthMax = nodes.map(\.depth).max() ?? 0
        g.imageHeight = Double(depthMax + 1) * o.frameHeight + g.ypad1 + g.ypad2
        if !o.subtitle.isEmpty, strip == nil { g.imageHeight += g.ypad3 }
        // Root first, then by depth and position: a stable order, so the same input gives the same bytes.
        nodes.sort { ($0.depth, $0.start) < ($1.depth, $1.start) }

        // Outside the frames' group, which the script zooms and searches.
        let legendSVG = g.legend ? goLegend(y: g.ypad1 + (o.subtitle.isEmpty ? 0 : g.ypad3) - 6, xpad: g.xpad) : ""
        var svg = header(
            width: o.width, height: g.imageHeight, ypad1: g.ypad1, ypad2: g.ypad2, xpad: g.xpad, legend: legendSVG,
            strip: strip.map { s in
                (
                    stripSVG(s.0, s.1, top: g.stripTop, xpad: g.xpad),
                    stripData(
                        s.0, s.1, top: g.stripTop, imageHeight: g.imageHeight, ypad1: g.ypad1, ypad2: g.ypad2,
                        xpad: g.xpad)
                )
            })
        svg.reserveCapacity(nodes.count * 220 + 20000)
        for n in nodes { svg += frameSVG(n, g, maxDelta: maxDelta) }
        svg += "</g>\n</svg>\n"
        return svg
    }

    /// A frame's tooltip: `name (412 samples, 412.0 ms, 8.30%)` with a weight unit, else flamegraph.pl's
    /// `name (412 samples, 8.30%)` with `countName`; a differential frame adds its change.
    func frameInfo(_ n: FrameNode, isRoot: Bool, weight: Double, timeMax: Double) -> String {
        let o = options
        let samplesText = o.weightUnit.map { xmlEscape($0.label(weight: weight, samples: n.samples)) }
            ?? "\(withCommas(cFormat("%.0f", weight))) \(xmlEscape(o.countName))"
        if isRoot { return "all (\(samplesText), 100%)" }
        let shown = xmlEscape(NameLimit.limited(stripAnnotation(n.name)))
        let pct = cFormat("%.2f", 100 * weight / (timeMax * o.factor))
        guard let delta = n.delta else { return "\(shown) (\(samplesText), \(pct)%)" }
        let d = o.negate ? -delta : delta
        var dp = cFormat("%.2f", 100 * d / (timeMax * o.factor))
        if d > 0 { dp = "+" + dp }
        return "\(shown) (\(samplesText), \(pct)%; \(dp)%)"
    }

    mutating func frameColor(_ n: FrameNode, isRoot: Bool, maxDelta: Double) -> String {
        let o = options
        if n.name == "--" { return "rgb(160,160,160)" }
        if n.name == "-" { return "rgb(200,200,200)" }
        if let delta = n.delta { return colorScale(o.negate ? -delta : delta, max: maxDelta) }
        if let c = o.paletteMap[n.name] { return c }
        if o.colors == "go", !o.random, isRoot || n.depth == 1 { return Colors.goRoot }
        if o.random { return Colors.color(o.colors, hash: false, name: n.name, random: randomColors.next3()) }
        return Colors.color(o.colors, hash: o.hash, name: n.name)
    }

    /// One frame's group: its title, rectangle and the name as much as fits.
    mutating func frameSVG(_ n: FrameNode, _ g: Geometry, maxDelta: Double) -> String {
        let o = options
        let isRoot = n.name.isEmpty && n.depth == 0
        let end = isRoot ? g.timeMax : n.end
        let x1 = g.xpad + n.start * g.widthPerTime
        let x2 = g.xpad + end * g.widthPerTime
        let y1, y2: Double
        if !o.inverted {
            y1 = g.imageHeight - g.ypad2 - Double(n.depth + 1) * o.frameHeight + g.framePad
            y2 = g.imageHeight - g.ypad2 - Double(n.depth) * o.frameHeight
        } else {
            y1 = g.ypad1 + Double(n.depth) * o.frameHeight
            y2 = g.ypad1 + Double(n.depth + 1) * o.frameHeight - g.framePad
        }
        let info = frameInfo(n, isRoot: isRoot, weight: (end - n.start) * o.factor, timeMax: g.timeMax)
        let color = frameColor(n, isRoot: isRoot, maxDelta: maxDelta)
        if n.delta == nil, !isRoot { usedColors[n.name] = color }

        var svg = ""
        let attrs = o.nameAttributes[n.name] ?? []
        let href = attrs.first { $0.0 == "href" }?.1
        if let href {
            svg += "<a xlink:href=\"\(xmlEscape(href))\""
            for (k, v) in attrs where k != "href" && k != "title" { svg += " \(k)=\"\(xmlEscape(v))\"" }
            svg += " target=\"_top\">\n"
        } else {
            svg += "<g"
            for (k, v) in attrs where k != "title" { svg += " \(k)=\"\(xmlEscape(v))\"" }
            svg += ">\n"
        }
        let title = attrs.first { $0.0 == "title" }.map { xmlEscape($0.1) } ?? info
        svg +=
            "<title>\(title)</title><rect x=\"\(f1(x1))\" y=\"\(num(y1))\" width=\"\(f1(x2 - x1))\" height=\"\(f1(y2 - y1))\" fill=\"\(color)\" rx=\"2\" ry=\"2\" />\n"
        svg +=
            "<text  x=\"\(f2(x1 + 3))\" y=\"\(num(3 + (y1 + y2) / 2))\" >\(xmlEscape(fittedName(NameLimit.limited(stripAnnotation(n.name)), width: x2 - x1)))</text>\n"
        svg += href != nil ? "</a>\n" : "</g>\n"
        return svg
    }

    /// The name cut to what fits in `width` pixels (flamegraph.pl: `..` after the cut; nothing under 3 chars).
    func fittedName(_ shown: String, width: Double) -> String {
        let chars = Int(saturating: width / (options.fontSize * options.fontWidth))
        guard chars >= 3 else { return "" }
        let scalars = Array(shown.unicodeScalars)
        guard chars < scalars.count else { return shown }
        return String(String.UnicodeScalarView(scalars.prefix(max(chars - 2, 0)))) + ".."
    }

    /// Differential colour: red grows, blue shrinks, white unchanged (flamegraph.pl's color_scale).
    func colorScale(_ value: Double, max: Double) -> String {
        guard max > 0 else { return "rgb(255,255,255)" }
        if value > 0 {
            let v = Int(saturating: 210 * (max - value) / max)
            return "rgb(255,\(v),\(v))"
        } else if value < 0 {
            let v = Int(saturating: 210 * (max + value) / max)
            return "rgb(\(v),\(v),255)"
        }
        return "rgb(255,255,255)"
    }

    func errorSVG(width: Double, message: String) -> String {
        """
        <?xml version="1.0" standalone="no"?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
        <svg version="1.1" width="\(num(width))" height="60" viewBox="0 0 \(num(width)) 60" xmlns="http://www.w3.org/2000/svg">
        <text x="\(num(width / 2))" y="24" text-anchor="middle" style="font-family:\(xmlEscape(options.fontType)); font-size:17px">\(xmlEscape(message))</text>
        </svg>

        """
    }

    func header(width: Double, height: Double, ypad1: Double, ypad2: Double, xpad: Double, legend: String = "",
                strip: (svg: String, data: String)? = nil) -> String {
        let o = options
        let bg: (String, String)
        switch o.bgColors ?? defaultBackground(o.colors) {
        case "yellow": bg = ("#eeeeee", "#eeeeb0")
        case "blue": bg = ("#eeeeee", "#e0e0ff")
        case "green": bg = ("#eef2ee", "#e0ffe0")
        case "grey": bg = ("#f8f8f8", "#e8e8e8")
        case let c where c.hasPrefix("#"): bg = (c, c)
        default: bg = ("#eeeeee", "#eeeeb0")
        }
        let fs = num(o.fontSize)
        var s = """
        <?xml version="1.0" standalone="no"?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
        <svg version="1.1" width="\(num(width))" height="\(num(height))" onload="init(evt)" viewBox="0 0 \(num(width)) \(num(height))" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
        <!-- Flame graph drawn by stackfold; layout and colours follow flamegraph.pl (https://github.com/brendangregg/FlameGraph). -->
        <!-- NOTES: \(xmlEscape(o.notes).replacingAll("--", with: "- -")) -->
        <defs>
        \t<linearGradient id="background" y1="0" y2="1" x1="0" x2="0" >
        \t\t<stop stop-color="\(xmlEscape(bg.0))" offset="5%" />
        \t\t<stop stop-color="\(xmlEscape(bg.1))" offset="95%" />
        \t</linearGradient>
        </defs>
        <style type="text/css">
        \ttext { font-family:\(xmlEscape(o.fontType)); font-size:\(fs)px; fill:rgb(0,0,0); }
        \t#search, #ignorecase { opacity:0.1; cursor:pointer; }
        \t#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity:1; }
        \t#subtitle { text-anchor:middle; font-color:rgb(160,160,160); }
        \t#title { text-anchor:middle; font-size:\(num(o.fontSize + 5))px}
        \t#unzoom { cursor:pointer; }
        \t#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }
        \t.hide { display:none; }
        \t.parent { opacity:0.5; }
        </style>
        <script type="text/ecmascript">
        <![CDATA[
        \t"use strict";
        \tvar fontsize = \(fs), fontwidth = \(o.fontWidth), xpad = \(num(xpad)), inverted = \(o.inverted), searchcolor = "\(jsEscape(o.searchColor))", nametype = "\(jsEscape(o.nameType))";
        \(Script.source)
        \(strip.map { $0.data + Script.timeline } ?? "")
        ]]>
        </script>
        <rect x="0.0" y="0" width="\(f1(width))" height="\(f1(height))" fill="url(#background)"  />
        <text id="title" x="\(f2(width / 2))" y="\(num(o.fontSize * 2))" >\(xmlEscape(o.effectiveTitle))</text>

        """
        if !o.subtitle.isEmpty {
            s +=
                "<text id=\"subtitle\" x=\"\(f2(width / 2))\" y=\"\(num(o.fontSize * 4))\" >\(xmlEscape(o.subtitle))</text>\n"
        }
        if let strip { s += strip.svg }
        s += legend
        s += """
        <text id="details" x="\(f2(xpad))" y="\(num(height - ypad2 / 2))" > </text>
        <text id="unzoom" x="\(f2(xpad))" y="\(num(o.fontSize * 2))" class="hide">Reset Zoom</text>
        <text id="search" x="\(f2(width - xpad - 100))" y="\(num(o.fontSize * 2))" >Search</text>
        <text id="ignorecase" x="\(f2(width - xpad - 16))" y="\(num(o.fontSize * 2))" >ic</text>
        <text id="matched" x="\(f2(width - xpad - 100))" y="\(num(height - ypad2 / 2))" > </text>
        <g id="frames">

        """
        return s
    }

    func defaultBackground(_ palette: String) -> String {
        switch palette {
        case "mem": return "green"
        case "io", "wakeup", "chain": return "blue"
        case "red", "green", "blue", "aqua", "yellow", "purple", "orange": return "grey"
        default: return "yellow"
        }
    }
}

// MARK: formatting and escaping

func f1(_ v: Double) -> String { cFormat("%.1f", v) }
func f2(_ v: Double) -> String { cFormat("%.2f", v) }

/// Perl's default number formatting (`%.15g`): integers without a point.
func num(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    var s = cFormat("%.15g", v)
    if s.contains("e") { s = String(v) }
    return s
}

func stripAnnotation(_ name: String) -> String {
    for a in ["_[k]", "_[w]", "_[i]", "_[j]"] where name.hasSuffix(a) { return String(name.dropLast(4)) }
    return name
}

/// Escapes text for XML content and attribute values; characters XML cannot carry become U+FFFD.
public func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        switch u {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default:
            let v = u.value
            if (v < 0x20 && v != 0x09 && v != 0x0a && v != 0x0d) || (v >= 0xd800 && v <= 0xdfff) || v == 0xfffe
                || v == 0xffff
            {
                out += "\u{fffd}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out
}

func jsEscape(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "<": out += "\\x3c"
        case ">": out += "\\x3e"
        case "]": out += "\\x5d"
        default:
            if u.value < 0x20 { out += cFormat("\\x%02x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out
}
