import ArgumentParser
import BinaryIO
import Symbolize

struct Addr2lineCommand: ParsableCommand {
    static let configuration = CommandConfiguration.subcommand(CommandConfiguration(
        commandName: "addr2line",
        abstract:
            "Function, file and line (with inlined frames) at file virtual addresses of a binary, like addr2line -f."))

    @Option(name: .short, help: "The binary (Go pclntab is read even when stripped).") var e: String
    @Flag(help: "Show inlined frames (innermost first), like addr2line -i.") var inlines = false
    @Flag(help: "One JSON object per address.") var json = false
    @Flag(help: "Raw names as the linker wrote them (generic shapes kept); the default is Go's runtime.Frame.Function.")
    var rawNames = false
    @Flag(help: "Hide wrapper frames as Go's own tracebacks do.") var goStyle = false
    @Option(help: "Where frames come from: auto (pclntab, then DWARF, then ELF symbols), pclntab, dwarf or symtab.")
    var source: SymbolSource = .auto
    @Flag(name: .customLong("no-debug-file"), help: "Never use a separate debug file (/usr/lib/debug/.build-id/ab/cdef….debug, ~/.debug, .gnu_debuglink) when the binary has no symbols or DWARF.")
    var noDebugFile = false
    @Flag(help: .hidden) var bench = false
    @Argument(help: "Addresses (hex, 0x optional); read from standard input when none are given.") var addresses:
        [String] = []

    func validate() throws {
        guard bench else { return }
        let given = [(inlines, "--inlines"), (json, "--json"), (rawNames, "--raw-names"), (goStyle, "--go-style")]
        if let first = given.first(where: \.0)?.1 { throw notApplicable(first, "does not apply to --bench, which prints timings, not frames") }
    }

    func run() throws {
        let image: BinaryImage
        do { image = try BinaryImage(path: e, source: source) } catch { throw UserError(error.description) }
        if goStyle || rawNames, image.pclntab == nil {
            // Both are about Go's names and wrappers: on other code they would change nothing.
            throw inapplicable(e, goStyle ? "--go-style" : "--raw-names", "applies to Go binaries, and this one has no Go pclntab: drop it")
        }
        if !noDebugFile {
            image.debugFileSearch = DebugFileSearch(
                buildIDDirs: ["\(environment("HOME") ?? "/root")/.debug", "/usr/lib/debug"],
                globalDirs: ["/usr/lib/debug"])
            _ = image.symbolFile
            for w in image.warnings { printError("stackfold: warning: \(w)\n") }
        }
        var list = addresses
        if list.isEmpty {
            while let line = readLine() { list.append(contentsOf: line.split(separator: " ").map(String.init)) }
        }
        var addrs: [UInt64] = []
        addrs.reserveCapacity(list.count)
        for a in list {
            let hex = a.hasPrefix("0x") || a.hasPrefix("0X") ? String(a.dropFirst(2)) : a
            guard let addr = UInt64(hex, radix: 16) else { throw UserError("not a hex address: \(a)") }
            addrs.append(addr)
        }
        if bench { return runBench(image, addrs) }
        var out = OutputBuffer(fd: 1)
        let lines = JSONLines()
        for addr in addrs {
            var frames = image.frames(at: addr, goStyle: goStyle)
            if !inlines, let last = frames.last {
                // Without --inlines, addr2line prints the innermost file:line under the outermost function.
                frames = [
                    SourceFrame(function: last.function, file: frames[0].file, line: frames[0].line, isInlined: false)
                ]
            }
            let name = { (f: SourceFrame) in rawNames ? f.function : goPrintName(f.function) }
            if json {
                frames = frames.map { var f = $0; f.function = name(f); return f }
                try lines.append(SymbolizedAddress(address: addr, frames: frames), to: &out)
            } else if frames.isEmpty {
                out.append("??\n??:0\n")
            } else {
                for f in frames { out.append("\(name(f))\n\(f.file):\(f.line)\n") }
            }
        }
        out.flush()
    }
}

extension SymbolSource: ExpressibleByArgument {}

extension Addr2lineCommand {
    /// `--bench` (hidden, for scripts/bench-symbolize.sh): times the lookups of `addrs`, without printing
    /// frames: cold (tables built by the first lookups), warm (tables built, per-address cache emptied)
    /// and cached (every answer already cached). One line of figures per pass.
    func runBench(_ image: BinaryImage, _ addrs: [UInt64]) {
        let unique = Array(Set(addrs)).sorted()
        let clock = ContinuousClock()
        var frames = 0
        func pass(_ name: String) {
            frames = 0
            let t = clock.measure {
                for a in addrs { frames &+= image.frames(at: a).count }
            }
            let us = Double(t.components.seconds) * 1e6 + Double(t.components.attoseconds) / 1e12
            print("\(name) source=\(source.rawValue) addresses=\(addrs.count) unique=\(unique.count) frames=\(frames) "
                + "total_ms=\(fixed(us / 1000, 2)) us_per_unique=\(fixed(us / Double(max(unique.count, 1)), 3))")
        }
        pass("cold")
        image.clearCache()
        pass("warm")
        pass("cached")
    }
}

func fixed(_ v: Double, _ digits: Int) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let have = s.distance(from: dot, to: s.endIndex) - 1
        if have < digits { s += String(repeating: "0", count: digits - have) }
    }
    return s
}
