import Foundation
import Testing

/// The stackfold command on inputs it must refuse or read (issue 18): exit status, one line on stderr
/// naming the input, nothing that looks like output. Runs the `stackfold` built beside the tests
/// (`swift build --build-tests` builds both).
@Suite struct CommandLineTests {
    static let binary: URL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("stackfold")

    struct Run { var status: Int32; var out: Data; var err: String }

    static func run(_ args: [String], in dir: URL? = nil) throws -> Run {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if let dir { p.currentDirectoryURL = dir }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read before waiting: a full pipe would block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, out: o, err: String(decoding: e, as: UTF8.self))
    }

    static func fixture(_ p: String) -> String { Paths.fixtures.appendingPathComponent(p).path }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-cli-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func binaryIsBuilt() {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.binary.path), "build it first: swift build --build-tests")
    }

    /// Compressed inputs give the plain file's output, byte for byte.
    @Test(arguments: [(["collapse"], "compressed/go1.25-fp-mono.data.gz", "perf/go1.25-fp-mono.data"),
                      (["collapse"], "compressed/go1.25-fp-mono.script.txt.gz", "perf/go1.25-fp-mono.data.script.txt"),
                      (["flamegraph"], "compressed/go1.25.folded.zst", "diff/go1.25.folded"),
                      (["flamegraph"], "compressed/go1.25.folded.xz", "diff/go1.25.folded"),
                      (["gotrace", "--parsed"], "compressed/go1.24-tasks.trace.xz", "gotrace/go1.24-tasks.trace")])
    func compressedInputsReadTransparently(_ command: [String], _ compressed: String, _ plain: String) throws {
        let a = try Self.run(command + [Self.fixture(compressed)])
        let b = try Self.run(command + [Self.fixture(plain)])
        #expect(a.status == 0 && b.status == 0, "\(a.err)")
        #expect(!a.out.isEmpty)
        #expect(a.out == b.out)
    }

    /// Binary garbage, text that is no stack, a cut-short gzip: exit 2, one line naming the input, no output
    /// (flamegraph.pl also exits 2, but writes an error image; stackfold writes nothing, not into -o either).
    @Test func unreadableInputIsExitTwoWithNothingWritten() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let garbage = dir.appendingPathComponent("garbage.bin")
        var bytes = [UInt8](repeating: 0, count: 4096)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
        try Data(bytes).write(to: garbage)
        let words = dir.appendingPathComponent("words.txt")
        try Data("hello world\nnot a stack\n".utf8).write(to: words)
        let svg = dir.appendingPathComponent("out.svg")
        for (args, input) in [
            (["collapse"], garbage.path), (["collapse"], words.path), (["flamegraph", "-o", svg.path], garbage.path),
            (["flamegraph", "-o", svg.path], words.path), (["collapse"], Self.fixture("compressed/cut-short.folded.gz"))
        ] {
            let r = try Self.run(args + [input])
            #expect(r.status == 2, "\(args) \(input): \(r.err)")
            #expect(r.out.isEmpty)
            #expect(r.err.hasPrefix("stackfold: \(input): "), "\(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
            #expect(!r.err.contains("flamegraph.pl"))
            #expect(!FileManager.default.fileExists(atPath: svg.path))
        }
        // A folded file given to collapse says where it belongs.
        let folded = try Self.run(["collapse", Self.fixture("compressed/go1.25.folded.gz")])
        #expect(folded.status == 2)
        #expect(folded.err.contains("already folded stacks"))
    }

    /// `flamegraph.pl --cp in.folded`: --cp is a flag (palette.map in the current folder); the input is
    /// read, never written. A palette file or -o naming the input is refused.
    @Test func paletteFlagNeverWritesTheInput() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.folded")
        try FileManager.default.copyItem(atPath: Self.fixture("diff/go1.25.folded"), toPath: input.path)
        let before = try Data(contentsOf: input)
        let r = try Self.run(["flamegraph", "--cp", "in.folded"], in: dir)
        #expect(r.status == 0, "\(r.err)")
        #expect(String(decoding: r.out, as: UTF8.self).contains("main.hashLoop"))
        #expect(try Data(contentsOf: input) == before)
        let palette = try String(contentsOf: dir.appendingPathComponent("palette.map"), encoding: .utf8)
        #expect(palette.contains("main.hashLoop->rgb("))
        // The same colours the second time, from palette.map.
        let again = try Self.run(["flamegraph", "--cp", "in.folded"], in: dir)
        #expect(again.out == r.out)
        for args in [["--palette-file", "in.folded", "in.folded"], ["-o", "in.folded", "in.folded"]] {
            let refused = try Self.run(["flamegraph"] + args, in: dir)
            #expect(refused.status != 0)
            #expect(refused.err.contains("is the input"))
            #expect(try Data(contentsOf: input) == before)
        }
    }

    /// `--binaries` naming nothing is an error, not a search of nowhere.
    @Test func binariesPathMustExist() throws {
        let r = try Self.run(["collapse", "--binaries", "/nonexistent/folder", Self.fixture("perf/go1.25-fp-mono.data")]
        )
        #expect(r.status != 0)
        #expect(r.out.isEmpty)
        #expect(r.err.contains("--binaries /nonexistent/folder: no such file or folder"))
    }

    /// gc with a trace of another run: refused with a non-zero exit and the reason; --force-trace uses it.
    @Test func traceOfAnotherRunIsRefused() throws {
        let args = [
            "gc", "--go-trace", Self.fixture("gotrace/go1.26-fp-mono.trace"), Self.fixture("perf/go1.25-fp-mono.data")
        ]
        let r = try Self.run(args)
        #expect(r.status == 1)
        #expect(r.out.isEmpty)
        #expect(
            r.err.contains("do not look like the same run: no sample falls in the trace's time span (no time overlap)"))
        let forced = try Self.run(args + ["--force-trace"])
        #expect(forced.status == 0)
        #expect(!forced.out.isEmpty)
        #expect(forced.err.contains("used anyway (--force-trace)"))
        let right = try Self.run([
            "gc", "--go-trace", Self.fixture("gotrace/go1.25-fp-mono.trace"), Self.fixture("perf/go1.25-fp-mono.data")
        ])
        #expect(right.status == 0)
        #expect(!right.err.contains("same run"))
    }

    /// `diff` of folded files, one with a tab before a count (edge-a.folded's `main;tab\t4`): read as
    /// folded, as difffolded.pl reads it (its output, sorted, is Fixtures/diff/expected-edge*.txt).
    @Test(arguments: [[], ["-n"], ["-s"], ["-n", "-s"]])
    func diffReadsATabBeforeACountAsFolded(_ flags: [String]) throws {
        let r = try Self.run(
            ["diff"] + flags + [Self.fixture("diff/edge-a.folded"), Self.fixture("diff/edge-b.folded")])
        #expect(r.status == 0, "\(r.err)")
        let name = "diff/expected-edge" + flags.joined() + ".txt"
        let expected = try String(contentsOfFile: Self.fixture(name), encoding: .utf8)
        let lines = String(decoding: r.out, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(
            lines.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.joined(separator: "\n") + "\n"
                == expected)
    }

    /// A capture without PERF_SAMPLE_CPU (perf script prints no CPU column for go1.25-fp-mono): no CPU is
    /// invented in JSON, and --only-cpu is an error, as perf's --cpu is; with CPUs recorded it filters.
    @Test func absentCPUIsNotInvented() throws {
        let noCPU = Self.fixture("perf/go1.25-fp-mono.data")
        let script = try String(contentsOfFile: noCPU + ".script.txt", encoding: .utf8)
        #expect(!script.contains("] 10636."), "perf script prints no [cpu] column")
        for cmd in [["collapse"], ["script"], ["script", "--json"]] {
            let r = try Self.run(cmd + ["--only-cpu", "0", noCPU])
            #expect(r.status == 1, "\(cmd)")
            #expect(r.out.isEmpty)
            #expect(r.err.contains("--only-cpu: the capture has no CPU numbers"))
        }
        let json = try Self.run(["script", "--json", noCPU])
        #expect(json.status == 0)
        #expect(!String(decoding: json.out, as: UTF8.self).contains("\"cpu\""))
        let attr = try Self.run([
            "attribute", "--json", "--go-trace", Self.fixture("gotrace/go1.25-fp-mono.trace"), noCPU
        ])
        #expect(attr.status == 0)
        #expect(!attr.out.isEmpty)
        #expect(!String(decoding: attr.out, as: UTF8.self).contains("\"cpu\""))
        // go1.25-system-wide (perf record -a) has them: its samples on CPU 0 are kept, others dropped.
        let wide = try Self.run(["collapse", "--only-cpu", "0", Self.fixture("perf/go1.25-system-wide.data")])
        #expect(wide.status == 0)
    }

    /// gc options that do not apply to what was asked are usage errors (exit 64), not ignored.
    @Test(arguments: [
        ["--folded", "--svg"], ["--verbose", "--svg", "-o", "out.svg"], ["--state", "assist"],
        ["--folded", "--top", "3"], ["--svg", "--top", "3"]
    ])
    func gcOptionsThatDoNotApplyAreErrors(_ args: [String]) throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.run(
            ["gc", "--go-trace", Self.fixture("gotrace/go1.25-fp-mono.trace")] + args + [
                Self.fixture("perf/go1.25-fp-mono.data")
            ], in: dir)
        #expect(r.status == 64, "\(args): \(r.err)")
        #expect(r.out.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.svg").path))
    }

    /// collapse declares the members of OutputOption, FrameFilterOptions and SampleIndexOption itself (fewer
    /// option groups: a shorter start-up, docs/performance.md "a24"); diff takes the groups. Their help
    /// entries, parsing and validation must not drift apart.
    @Test func collapseDeclaresWhatTheGroupsDeclare() throws {
        func entries(_ command: String) throws -> [String: String] {
            let r = try Self.run([command, "--help"])
            var found: [String: String] = [:], key: String?
            for line in String(decoding: r.out, as: UTF8.self).split(separator: "\n") {
                if line.hasPrefix("  -") {
                    key = line.split(separator: " ").first { $0.hasPrefix("--") }.map(String.init)
                    if let key { found[key] = String(line) }
                } else if line.hasPrefix("   "), let key {
                    found[key]! += "\n" + line
                } else {
                    key = nil
                }
            }
            return found
        }
        let collapse = try entries("collapse"), diff = try entries("diff")
        for name in ["--output", "--focus", "--ignore", "--hide", "--sample-index"] {
            #expect(collapse[name] != nil && collapse[name] == diff[name], "\(name)")
        }
        let data = Self.fixture("perf/go1.25-fp-mono.data")
        for bad in [["--focus", "("], ["--hide", "["], ["--ignore", "a", "--focus", "("]] {
            let c = try Self.run(["collapse"] + bad + [data]), d = try Self.run(["diff"] + bad + [data, data])
            #expect(c.status == 64 && d.status == 64)
            #expect(c.err.split(separator: "\n").first == d.err.split(separator: "\n").first, "\(bad)")
        }
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.folded").path
        let filtered = try Self.run(["collapse", "--focus", "main", "--hide", "runtime", "-o", out, data])
        let piped = try Self.run(["collapse", "--focus=main", "--hide=runtime", data])
        #expect(filtered.status == 0 && piped.status == 0 && !piped.out.isEmpty)
        #expect(FileManager.default.contents(atPath: out) == piped.out)
        let si = try Self.run(["collapse", "--sample-index", "1", data])
        #expect(si.status != 0 && si.err.contains("--sample-index 1:"))
    }
}
