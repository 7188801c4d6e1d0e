extension Colors {
    /// The root (`all`) and the process frames under it: neutral, as they are no code.
    static let goRoot = "rgb(190,190,190)"

    /// The Go palette's kinds in legend order, each with a mid-range colour of its own.
    static let goLegend: [(String, String)] = [
        ("user code", goColor("main.f", v1: 0.5, v2: 0.5, v3: 0.5)),
        ("Go runtime", goColor("runtime.mallocgc", v1: 0.5, v2: 0.5, v3: 0.5)),
        ("GC marking", goColor("runtime.gcDrain", v1: 0.5, v2: 0.5, v3: 0.5)),
        ("mark assist", goColor("runtime.gcAssistAlloc", v1: 0.5, v2: 0.5, v3: 0.5)),
        ("sweeping", goColor("runtime.bgsweep", v1: 0.5, v2: 0.5, v3: 0.5)),
        ("cgo / C", goColor("memcpy", v1: 0.5, v2: 0.5, v3: 0.5)),
        ("kernel", goColor("do_futex_[k]", v1: 0.5, v2: 0.5, v3: 0.5)),
        ("process (root)", goRoot),
    ]
}

extension FlameGraph {
    /// One row of swatches with names, left-aligned at `xpad`, text baseline at `y`.
    func goLegend(y: Double, xpad: Double) -> String {
        let fs = options.fontSize
        var s = "<g id=\"legend\">\n"
        var x = xpad
        for (name, color) in Colors.goLegend {
            s +=
                "<rect x=\"\(f1(x))\" y=\"\(f1(y - fs * 0.8))\" width=\"\(f1(fs))\" height=\"\(f1(fs * 0.8))\" fill=\"\(color)\" rx=\"2\" ry=\"2\" />"
            s +=
                "<text x=\"\(f1(x + fs * 1.3))\" y=\"\(f1(y))\" style=\"font-size:\(f1(fs * 0.9))px\">\(xmlEscape(name))</text>\n"
            x += fs * 1.3 + Double(name.count) * fs * options.fontWidth * 0.9 + fs * 1.2
        }
        return s + "</g>\n"
    }
}
