import ArgumentParser
import BinaryIO
import Collapse
import FlameSVG

struct FlamegraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "flamegraph",
        abstract: "An interactive flame graph SVG from folded stacks (one or two count columns), like flamegraph.pl."))

    @Argument(help: "Folded stacks, perf.data or a pprof profile; - or nothing reads standard input.") var input: String = "-"
    @Option(name: .shortAndLong, help: "Write the SVG here instead of standard output.") var output: String?
    @OptionGroup var style: FlameGraphStyleOptions
    @OptionGroup var perf: PerfSymbolOptions
    @OptionGroup var frames: FrameFilterOptions
    @OptionGroup var pprof: SampleIndexOption

    func validate() throws { try requireInput(input, Self.self) }

    func run() throws {
        // Never write to a file given as input (flamegraph.pl's --cp is a flag: `--cp in.folded` reads it).
        for (what, path) in [("--palette-file", style.palettePath), ("-o", output)] {
            if let path, input != "-", sameFile(path, input) {
                throw UserError("\(path): is the input; \(what) would overwrite it (pass another file)")
            }
        }
        var o = try style.options()
        let progress = Progress.start(reading: [input], outputFile: output)
        defer { progress?.stop() }
        let file: MappedFile
        do { file = try openInput(input) } catch { throw unreadableInput(input, error.message) }
        let data: [UInt8]
        var counted = false
        try pprof.rejectUnless(pprof: isPprof(file), input)
        if isPprof(file) {
            try perf.rejectOnText(input, "this input is a pprof profile")
            let p = try readPprof(file, input)
            let i = (try? p.sampleIndex(pprof.sampleIndex)) ?? p.sampleTypes.count - 1
            // Values are the sample type's: label them by its unit (nanoseconds, bytes) or, for counts, its name.
            if o.countName == "samples" { o.countName = p.sampleTypes[i].unit == "count" ? p.sampleTypes[i].type : p.sampleTypes[i].unit }
            data = try frames.filter().apply(try pprofFolded(p, input, pprof))
        } else if isPerfData(file) {
            var options = try perf.checkedOptions(capture: input)
            // The Go palette colours kernel frames by the collapse's mark, as names cannot tell them from C.
            if o.colors == "go" { options.annotateKernel = true }
            // Sample counts ride beside the periods, so frames say both (`412 samples, 412.0 ms`).
            let (folded, unit) = try collapsePerfCounted(file, options)
            data = try frames.filter().apply(folded)
            counted = true
            if style.countname == "samples" { o.weightUnit = unit }
        } else {
            if looksBinary(file.bytes) { throw unreadableInput(input, "binary data that is not perf.data; \(textInputHint)") }
            try perf.rejectOnText(input, "this input is folded stacks")
            data = try frames.filter().apply(Array(file.bytes))
        }
        var fg = FlameGraph(options: o)
        let svg = fg.render(folded: String(decoding: data, as: UTF8.self), counted: counted)
        if fg.noInput {
            // flamegraph.pl draws an error image (exit 2); an image where a graph belongs is not written.
            let bad = fg.warnings.first { $0.hasPrefix("Ignored ") }.map { " (\($0.dropFirst(8)))" } ?? ""
            throw unreadableInput(input, "no folded stack with a count\(bad); \(textInputHint)")
        }
        for w in fg.warnings { printError("stackfold: \(w)\n") }
        if let output {
            try writeFile(output, Array(svg.utf8))
        } else {
            writeStdout(svg)
        }
        if let cp = style.palettePath {
            // Keep the colours used, so the next graph with this palette file matches (flamegraph.pl --cp).
            let map = o.paletteMap.merging(fg.usedColors) { old, _ in old }
            let out = map.keys.sorted().map { "\($0)->\(map[$0]!)" }.joined(separator: "\n")
            try? writeFile(cp, Array((out + (out.isEmpty ? "" : "\n")).utf8))
        }
    }
}

/// flamegraph.pl's options, for every command that draws a flame graph.
struct FlameGraphStyleOptions: ParsableArguments {
    @Option(help: "Title text.") var title = "Flame Graph"
    @Option(help: "Second-level title.") var subtitle = ""
    @Option(help: "Width of the image.") var width = 1200.0
    @Option(help: "Height of each frame.") var height = 16.0
    @Option(help: "Font type.") var fonttype = "Verdana"
    @Option(help: "Font size.") var fontsize = 12.0
    @Option(help: "Average font character width.") var fontwidth = 0.59
    @Option(help: "Omit frames narrower than this many pixels, or N% of the total.") var minwidth = "0.1"
    @Option(help: "Count type label.") var countname = "samples"
    @Option(help: "Name type label.") var nametype = "Function:"
    @Option(help: "File holding per-function attributes: NAME\\tattr=value\\t...") var nameattr: String?
    @Option(help: "Notes added to the SVG file.") var notes = ""
    @Option(help: "Factor to scale counts by.") var factor = 1.0
    @Option(help: "Total count to scale widths by (for comparing graphs).") var total: Double?
    @Option(help: "Palette: \(Palette.all.joined(separator: ", ")).", completion: .list(Palette.all)) var colors = "hot"
    @Option(help: "Background: yellow, blue, green, grey or #rrggbb.") var bgcolors: String?
    @Flag(help: "Colours from a hash of the name (stable across graphs, as flamegraph.pl --hash).") var hash = false
    @Flag(help: "A random colour per frame, as flamegraph.pl --random (from a fixed seed: same input, same SVG).") var random = false
    @Flag(help: "Consistent palette, as flamegraph.pl --cp: colours read from and kept in palette.map in the current folder.")
    var cp = false
    @Option(name: .customLong("palette-file"), help: ArgumentHelp("As --cp, with this palette file (NAME->rgb(r,g,b) lines) instead of palette.map.", valueName: "file"))
    var paletteFile: String?
    /// The palette file read and extended, if any.
    var palettePath: String? { paletteFile ?? (cp ? "palette.map" : nil) }
    @Flag(help: "Reverse each stack (leaf first).") var reverse = false
    @Flag(help: "Icicle graph: root at the top.") var inverted = false
    @Flag(help: "Flame chart: keep input order (time) instead of sorting.") var flamechart = false
    @Flag(help: "Swap the differential colours.") var negate = false
    @Option(name: .customLong("search-color"), help: "Colour of search matches.") var searchColor = "rgb(230,0,230)"

    func options() throws -> FlameGraphOptions {
        var o = FlameGraphOptions()
        o.title = title
        o.subtitle = subtitle
        o.width = width
        o.frameHeight = height
        o.fontType = fonttype
        o.fontSize = fontsize
        o.fontWidth = fontwidth
        if minwidth.hasSuffix("%"), let v = Double(minwidth.dropLast()) {
            o.minWidth = v
            o.minWidthIsPercent = true
        } else if let v = Double(minwidth) {
            o.minWidth = v
        } else {
            throw UserError("--minwidth: expected pixels or N%, got \(minwidth)")
        }
        o.countName = countname
        o.nameType = nametype
        o.notes = notes
        o.factor = factor
        o.total = total
        guard Palette.all.contains(colors) else { throw UserError("--colors: unknown palette \(colors); one of \(Palette.all.joined(separator: ", "))") }
        o.colors = colors
        o.bgColors = bgcolors
        o.hash = hash
        o.random = random
        o.reverse = reverse
        o.inverted = inverted
        o.flameChart = flamechart
        o.negate = negate
        o.searchColor = searchColor
        if let nameattr {
            let text = try readTextFile(nameattr)
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "\t")
                guard let name = parts.first else { continue }
                o.nameAttributes[String(name)] = parts.dropFirst().compactMap { kv in
                    guard let eq = kv.firstIndex(of: "=") else { return nil }
                    return (String(kv[..<eq]), String(kv[kv.index(after: eq)...]))
                }
            }
        }
        if let cp = palettePath, let text = try? readTextFile(cp) {
            for line in text.split(separator: "\n") {
                if let r = line.firstRange(of: "->") { o.paletteMap[String(line[..<r.lowerBound])] = String(line[r.upperBound...]) }
            }
        }
        return o
    }
}
