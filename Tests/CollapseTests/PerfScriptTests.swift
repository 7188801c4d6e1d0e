import BinaryIO
import Foundation
import Testing
@testable import Collapse
import PerfData
import Symbolize

/// `stackfold script` against perf script's own text of the same captures.
@Suite struct PerfScriptTests {
    static func url(_ name: String) -> URL { Paths.fixtures.appendingPathComponent("perf/\(name)") }
    static let kallsyms = Paths.fixtures.appendingPathComponent("perf/kallsyms-subset.txt").path

    static func script(_ name: String, json: Bool = false, file: PerfFile? = nil,
                       _ configure: (inout PerfCollapseOptions) -> Void = { _ in }) throws -> (text: String, warnings: [String]) {
        var o = PerfCollapseOptions()
        // Recorded paths are /work/main/Fixtures/bin/...: find the binaries in this clone, in the capture's Go
        // version folder (captures without build-ids are matched by file name).
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go\(name.dropFirst(2).prefix(4))").path]
        o.useRunningKernel = false
        configure(&o)
        var w = PerfScriptWriter(options: o, json: json)
        // Big enough that nothing is flushed (fd -1): the text is taken whole.
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(file ?? PerfFile(path: url(name).path), to: &out)
        return (String(decoding: out.take(), as: UTF8.self), w.warnings)
    }

    static func binary(_ name: String) -> String {
        name.contains("tasks") ? "tasks" : name.contains("pie") ? "workload-pie" : name.contains("stripped") ? "workload-stripped" : "workload"
    }

    static func perfText(_ name: String) throws -> String {
        try String(contentsOf: url(name + ".script.txt"), encoding: .utf8)
    }

    /// perf named `[vdso]` frames from its build-id cache (or its own vdso for captures without build-ids);
    /// the tests do not have it, so those frames are compared as `[unknown]`.
    static func withoutVDSONames(_ line: Substring) -> String {
        guard line.hasPrefix("\t"), line.hasSuffix(" ([vdso])") else { return String(line) }
        let lead = line.prefix { $0 == "\t" || $0 == " " }
        let hex = line.dropFirst(lead.count).prefix { $0 != " " }
        return "\(lead)\(hex) [unknown] ([vdso])"
    }

    /// The first line where two texts differ (1-based), with both lines; nil when equal.
    static func firstDifference(_ ours: String, _ theirs: [String]) -> String? {
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, theirs.count) {
            let x = i < a.count ? String(a[i]) : "<end>", y = i < theirs.count ? theirs[i] : "<end>"
            if x != y { return "line \(i + 1):\n  ours: \(x)\n  perf: \(y)" }
        }
        return nil
    }

    /// With ELF symbols and kallsyms (what perf had), every line of every sample is perf script's.
    @Test(arguments: ["go1.21-fp-mono.data", "go1.22-fp-mono.data", "go1.23-fp-mono.data", "go1.24-fp-mono.data",
                      "go1.25-fp-mono.data", "go1.26-fp-mono.data", "go1.27-fp-mono.data", "go1.25-fp-default-clock.data",
                      "go1.25-pie.data", "go1.25-dwarf.data", "go1.25-zstd.data", "go1.25-pipe.data", "go1.25-two-events.data",
                      "go1.25-attach.data", "go1.25-system-wide.data", "go1.25-tasks-mono.data"])
    func elfNamesEqualPerfScriptText(_ name: String) throws {
        let ours = try Self.script(name) {
            $0.elfNames = true
            $0.inlines = false
            $0.kallsyms = Self.kallsyms
            $0.recordedStacks = true  // perf's stacks, as perf recorded them
        }.text
        let perf = try Self.perfText(name)
        let theirs = perf.split(separator: "\n", omittingEmptySubsequences: false).map(Self.withoutVDSONames)
        let diff = Self.firstDifference(ours, theirs)
        #expect(diff == nil, "\(name): \(diff ?? "")")
        // Both name their frames: the comparison is not of two unsymbolized texts.
        #expect(theirs.contains { $0.contains("+0x") && $0.hasSuffix("(/work/main/Fixtures/bin/go\(name.dropFirst(2).prefix(4))/\(Self.binary(name)))") })
        #expect(!ours.contains("[unknown] (/work"))
    }

    /// The stripped binary: perf shows `[unknown]` for every Go frame; stackfold names each from the pclntab,
    /// with the name and offset perf gives the same address from the unstripped twin's ELF symbols
    /// (Go's pclntab has no `.abi0` suffix for assembly functions). Everything else is perf's text.
    @Test func strippedBinaryNamedWherePerfCannot() throws {
        let name = "go1.25-stripped.data"
        // Only the stripped binary where stackfold looks: its unstripped twin has the same build-id.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-stripped-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Paths.fixtures.appendingPathComponent("bin/go1.25/workload-stripped"),
                                         to: dir.appendingPathComponent("workload-stripped"))
        #expect(try ELFFile(path: dir.appendingPathComponent("workload-stripped").path).functionSymbols.isEmpty)
        let ours = try Self.script(name) {
            $0.binaries.searchDirs = [dir.path]
            $0.elfNames = true
            $0.inlines = false
            $0.kallsyms = Self.kallsyms
            $0.recordedStacks = true  // perf's stacks, as perf recorded them
        }.text.split(separator: "\n", omittingEmptySubsequences: false)
        let perf = try Self.perfText(name).split(separator: "\n", omittingEmptySubsequences: false)
        let unstripped = try ELFFile(path: Paths.fixtures.appendingPathComponent("bin/go1.25/workload").path)
        #expect(ours.count == perf.count)
        var renamed = 0, abi0 = 0
        var firstMismatch: String?
        for (o, p) in zip(ours, perf) where String(o) != Self.withoutVDSONames(p) && firstMismatch == nil {
            let lead = p.prefix { $0 == "\t" || $0 == " " }
            let rest = p.dropFirst(lead.count)
            let hex = rest.prefix { $0 != " " }
            guard p.hasSuffix(" [unknown] (/work/main/Fixtures/bin/go1.25/workload-stripped)"),
                  let off = UInt64(hex, radix: 16), let vaddr = unstripped.virtualAddress(ofFileOffset: off),
                  let s = unstripped.symbol(at: vaddr) else {
                firstMismatch = "ours: \(o)\nperf: \(p)"
                continue
            }
            var sym = s.name
            if sym.hasSuffix(".abi0") { sym.removeLast(5); abi0 += 1 }
            let expected = "\(lead)\(hex) \(sym)+0x\(String(vaddr - s.value, radix: 16)) (/work/main/Fixtures/bin/go1.25/workload-stripped)"
            if String(o) != expected { firstMismatch = "ours: \(o)\nwant: \(expected)\nperf: \(p)" }
            renamed += 1
        }
        #expect(firstMismatch == nil, "\(firstMismatch ?? "")")
        let unknownInPerf = perf.filter { $0.contains("[unknown] (/work/main/Fixtures/bin/go1.25/workload-stripped)") }.count
        #expect(unknownInPerf > 0)
        #expect(renamed == unknownInPerf, "every frame perf could not name is named")
        #expect(abi0 < renamed)
    }

    /// Without kallsyms (a capture from another machine), kernel frames are `[unknown] ([kernel.kallsyms])` at
    /// perf's address; every other line stays perf's.
    @Test(arguments: ["go1.25-fp-mono.data", "go1.25-system-wide.data"])
    func kernelFramesWithoutKallsymsStayUnknown(_ name: String) throws {
        let ours = try Self.script(name) {
            $0.elfNames = true
            $0.inlines = false
            $0.recordedStacks = true  // perf's stacks, as perf recorded them
        }.text
        let perf = try Self.perfText(name)
        var kernel = 0
        let theirs = perf.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasSuffix(" ([kernel.kallsyms])") else { return Self.withoutVDSONames(line) }
            kernel += 1
            let lead = line.prefix { $0 == "\t" || $0 == " " }
            let hex = line.dropFirst(lead.count).prefix { $0 != " " }
            return "\(lead)\(hex) [unknown] ([kernel.kallsyms])"
        }
        #expect(kernel > 0)
        let diff = Self.firstDifference(ours, theirs)
        #expect(diff == nil, "\(name): \(diff ?? "")")
    }

    /// Default naming (Go names, inlined frames) is collapse's: folding script's frames gives collapse's stacks.
    @Test(arguments: ["go1.25-fp-mono.data", "go1.21-fp-mono.data", "go1.27-fp-mono.data", "go1.25-stripped.data", "go1.25-pie.data"])
    func defaultFramesFoldToCollapse(_ name: String) throws {
        let configure: (inout PerfCollapseOptions) -> Void = {
            $0.kallsyms = Self.kallsyms
            $0.keepWrappers = true  // script never drops a callchain address; collapse keeps them too with this
        }
        let text = try Self.script(name, configure).text
        var stacks: [String: UInt64] = [:]
        var inlined = 0
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            let lines = block.split(separator: "\n")
            let head = lines[0].split(separator: " ", omittingEmptySubsequences: true)
            let period = UInt64(head[head.count - 2])!
            var frames: [String] = []
            for l in lines.dropFirst() {
                var t = l.drop { $0 == "\t" || $0 == " " }.drop { $0 != " " }.dropFirst()
                if t.hasSuffix(" (inlined)") {
                    inlined += 1
                    t = t.dropLast(" (inlined)".count)
                } else if let open = t.range(of: " (", options: .backwards) {
                    let module = String(t[open.upperBound...].dropLast())
                    t = t[..<open.lowerBound]
                    if t == "[unknown]" { frames.append(module == "[unknown]" ? module : "[\(basename(module))]"); continue }
                }
                if let plus = t.range(of: "+0x", options: .backwards) { t = t[..<plus.lowerBound] }
                frames.append(String(t))
            }
            stacks[([String(head[0])] + frames.reversed()).joined(separator: ";"), default: 0] += period
        }
        let ours = stacks.map { "\($0.key) \($0.value)\n" }.sorted().joined()
        let collapsed = try PerfDataCollapseTests.collapse(name) {
            configure(&$0)
            $0.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go\(name.dropFirst(2).prefix(4))").path]
        }
        let sortedCollapse = collapsed.split(separator: "\n").map { $0 + "\n" }.sorted().joined()
        #expect(inlined > 0, "inlined frames shown")
        #expect(ours == sortedCollapse)
    }

    /// `--json`: one object per sample, its `stack` the text's frames (innermost first, inlined ones
    /// expanded), `ips` the callchain addresses, every string valid JSON.
    @Test func jsonStackMatchesText() throws {
        let name = "go1.25-fp-mono.data"
        let configure: (inout PerfCollapseOptions) -> Void = { $0.kallsyms = Self.kallsyms; $0.srcline = true }
        let json = try Self.script(name, json: true, configure).text
        // Frame lines compared without --srcline: perf puts " (inlined)" after the source line.
        let text = try Self.script(name) { $0.kallsyms = Self.kallsyms }.text
        let withLines = try Self.script(name, configure).text
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let objects = json.split(separator: "\n")
        #expect(objects.count == blocks.count)
        var checked = 0, lines = 0
        for (obj, block) in zip(objects, blocks) {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(obj.utf8)) as? [String: Any])
            let stack = try #require(o["stack"] as? [[String: Any]])
            let ips = try #require(o["ips"] as? [String])
            // `ips` are perf's entries; `stack` adds the callers the frame-pointer walk skipped (`found`).
            let added: Set<String> = ["call-site", "placeholder"]
            #expect(stack.filter { $0["inlined"] as? Bool == false && !added.contains($0["found"] as? String ?? "") }.count == ips.count)
            #expect(stack.allSatisfy { ["fp", "recorded", "call-site", "placeholder"].contains($0["found"] as? String ?? "") })
            // Frame lines of the text (source lines start with two spaces).
            let frames = block.split(separator: "\n").dropFirst().filter { $0.hasPrefix("\t") }
            #expect(frames.count == stack.count)
            for (f, line) in zip(stack, frames) {
                let fn = f["function"] as? String ?? "[unknown]"
                let shown = f["offset"] is Int ? "\(fn)+0x\(String(f["offset"] as! Int, radix: 16))" : fn
                let inl = f["inlined"] as! Bool
                let tail = inl ? " (inlined)" : " (\(f["module"] as! String))"
                #expect(line.hasSuffix(" " + shown + tail), "\(line) vs \(f)")
                if let file = f["file"] as? String {
                    #expect(withLines.contains("\n  \(file):\(f["line"] as! Int)"))
                    lines += 1
                }
                checked += 1
            }
        }
        #expect(checked > 1000)
        #expect(lines > checked / 2, "most frames have a source line")
        #expect(json.contains("\"inlined\":true"))
    }

    /// Names reach JSON escaped: quotes, backslashes and control characters round-trip through a JSON parser.
    @Test func jsonStringsAreEscaped() throws {
        let names = ["main.(*T).f", "a\"b\\c", "tab\there\nnew\u{1}\u{1f}", "é∑😀", ""]
        for n in names {
            var b: [UInt8] = []
            appendJSONString(n, to: &b)
            let back = try JSONSerialization.jsonObject(with: Data(("[" + String(decoding: b, as: UTF8.self) + "]").utf8)) as? [String]
            #expect(back == [n])
        }
    }
}

/// Kernel frames: modules named as perf names them, and no name taken from a symbol outside the frame's map.
@Suite struct KernelFrameTests {
    static let moduleBase: UInt64 = 0xffff_ffff_c000_0000
    static let moduleAddress: UInt64 = moduleBase + 0x1234

    /// go1.25-pipe.data with a kernel module's MMAP (pid -1, as perf record synthesizes one per module) added
    /// after the kernel's, and one kernel address of the samples moved into that module. Also returns how
    /// many samples hold the moved address.
    static func captureWithModule(path: String) throws -> (PerfFile, Int) {
        let src = try MappedFile(path: PerfScriptTests.url("go1.25-pipe.data").path)
        let file = try PerfFile(file: src)
        var kernelMmap: RawRecord?
        var moved: UInt64?
        var samples: [RawRecord] = []
        var r = file.records()
        while let rec = try r.nextRecord() {
            if rec.type == .mmap, kernelMmap == nil, try file.mmap(rec).pid == -1 { kernelMmap = rec }
            if rec.type == .sample {
                samples.append(rec)
                if moved == nil, let k = try file.sample(rec).frames().first(where: { $0.mode == .kernel }) { moved = k.address }
            }
        }
        let k = try #require(kernelMmap)
        let x = try #require(moved)
        var bytes = Array(src.bytes)
        // Every occurrence of that address in sample records (ip and callchain) moves into the module.
        var hits = 0
        for rec in samples {
            var inRecord = 0
            defer { hits += inRecord > 0 ? 1 : 0 }
            var o = rec.offset + 8
            while o + 8 <= rec.offset + rec.size {
                if bytes[o..<o + 8].withUnsafeBytes({ $0.loadUnaligned(as: UInt64.self) }) == x {
                    withUnsafeBytes(of: moduleAddress.littleEndian) { bytes.replaceSubrange(o..<o + 8, with: $0) }
                    inRecord += 1
                }
                o += 8
            }
        }
        // MMAP: header, pid, tid, start, len, pgoff, filename (NUL, padded to 8), sample_id trailer.
        let old = Array(bytes[k.offset..<k.offset + k.size])
        let nameEnd = old[40...].firstIndex(of: 0)!
        let trailer = old[(40 + (nameEnd - 40 + 8) / 8 * 8)...]
        var name = Array("/lib/modules/6.1.0-test/kernel/net/netfilter/nf-tables.ko.xz".utf8) + [0]
        while name.count % 8 != 0 { name.append(0) }
        var rec: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { rec += $0 } }
        put(UInt32(1))  // PERF_RECORD_MMAP
        put(k.misc)
        put(UInt16(8 + 32 + name.count + trailer.count))
        put(Int32(-1))
        put(Int32(0))
        put(moduleBase)
        put(UInt64(0x10000))
        put(UInt64(0))
        rec += name
        rec += trailer
        bytes.insert(contentsOf: rec, at: k.offset + k.size)
        return (try PerfFile(file: MappedFile(path: path, copying: bytes)), hits)
    }

    static func lines(_ text: String, containing s: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains(s) }
    }

    @Test func moduleFramesWithoutModuleSymbolsAreUnknownInTheModule() throws {
        let (file, hits) = try Self.captureWithModule(path: "module.data")
        #expect(hits > 0)
        let hex = String(Self.moduleAddress, radix: 16)
        for kallsyms in [nil, PerfScriptTests.kallsyms] {
            let text = try PerfScriptTests.script("go1.25-pipe.data", file: file) {
                $0.elfNames = true
                $0.kallsyms = kallsyms
            }.text
            let moved = Self.lines(text, containing: hex)
            #expect(moved.count == hits)
            // kallsyms-subset.txt holds no module symbol: its last kernel symbol must not name the frame.
            #expect(moved.allSatisfy { $0 == "\t\(hex) [unknown] ([nf_tables])" }, "\(moved.first ?? "")")
            // The kernel's own frames keep their names (with kallsyms) or their dso.
            #expect(text.contains(kallsyms == nil ? "[unknown] ([kernel.kallsyms])" : "asm_exc_page_fault+0x22 ([kernel.kallsyms])"))
        }
        // collapse names the unknown frame after the module as stackcollapse-perf.pl does from perf script.
        var o = PerfCollapseOptions()
        o.useRunningKernel = false
        o.binaries.symfs = "/nonexistent"
        var c = PerfCollapser(options: o)
        try c.collapse(file)
        #expect(String(decoding: c.folded(), as: UTF8.self).split(separator: "\n").contains { $0.contains(";[[nf_tables]]") })
    }

    @Test func moduleFramesNamedFromModuleSymbols() throws {
        let (file, hits) = try Self.captureWithModule(path: "module.data")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-ks-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ks = dir.appendingPathComponent("kallsyms")
        let fn = String(Self.moduleBase + 0x1000, radix: 16)
        try (String(contentsOfFile: PerfScriptTests.kallsyms, encoding: .utf8) + "\(fn) t nft_do_chain\t[nf_tables]\n")
            .write(to: ks, atomically: true, encoding: .utf8)
        let text = try PerfScriptTests.script("go1.25-pipe.data", file: file) {
            $0.elfNames = true
            $0.kallsyms = ks.path
        }.text
        let moved = Self.lines(text, containing: String(Self.moduleAddress, radix: 16))
        #expect(moved.count == hits)
        #expect(moved.allSatisfy { $0.hasSuffix(" nft_do_chain+0x234 ([nf_tables])") }, "\(moved.first ?? "")")
    }

    @Test func moduleNamesAsPerf() {
        func name(_ f: String, kernel: Bool = true) -> String {
            perfDSOName(Mapping(start: 0, end: 1, pageOffset: 0, filename: f, inKernelSpace: kernel))
        }
        #expect(name("/lib/modules/6.1.0/kernel/net/netfilter/nf_tables.ko") == "[nf_tables]")
        #expect(name("/lib/modules/6.1.0/kernel/drivers/kvm-intel.ko.xz") == "[kvm_intel]")
        #expect(name("/lib/modules/6.1.0/kernel/drivers/kvm-intel.ko.gz") == "[kvm_intel]")
        // Not modules to perf 6.1 (Fixtures/script-kmod/kmod-ko.zst, kmod-o): their file names.
        #expect(name("/lib/modules/6.1.0/kernel/drivers/kvm-intel.ko.zst") == "kvm-intel.ko.zst")
        #expect(name("/lib/modules/6.1.0/extra/foo.o") == "foo.o")
        #expect(name("[nf_tables]") == "[nf_tables]")
        #expect(name("[kernel.kallsyms]") == "[kernel.kallsyms]")
        #expect(name("/usr/bin/my-tool.ko", kernel: false) == "/usr/bin/my-tool.ko")
        #expect(name("[vdso]", kernel: false) == "[vdso]")
    }

    /// This machine's kallsyms is used only for its own kernel: same host and release, and the same
    /// build-id when the capture and /sys/kernel/notes both have one.
    @Test func runningKernelOnlyForTheSameKernel() {
        let f = SymbolSources.capturedOnRunningKernel
        #expect(f("vm", "6.1.0", "ab", "vm", "6.1.0", "ab"))
        #expect(f("vm", "6.1.0", nil, "vm", "6.1.0", "ab"))
        #expect(!f("vm", "6.1.0", "ab", "vm", "6.1.0", "cd"))
        #expect(!f("localhost", "6.1.0", nil, "vm", "6.1.0", nil))
        #expect(!f("vm", "6.1.0", nil, "vm", "6.2.0", nil))
    }

    @Test func buildIDFromKernelNotes() {
        var notes: [UInt8] = []
        func note(_ name: String, _ type: UInt32, _ desc: [UInt8]) {
            var n = Array(name.utf8) + [0]
            let nameSize = n.count
            while n.count % 4 != 0 { n.append(0) }
            var d = desc
            while d.count % 4 != 0 { d.append(0) }
            for v in [UInt32(nameSize), UInt32(desc.count), type] { withUnsafeBytes(of: v.littleEndian) { notes += $0 } }
            notes += n + d
        }
        note("Xen", 6, [1, 2, 3, 4, 5])
        let desc: [UInt8] = (0..<20).map { (i: Int) -> UInt8 in UInt8(i * 13 & 0xff) }
        note("GNU", 3, desc)
        let id = notes.withUnsafeBytes { SymbolSources.gnuBuildID(notes: $0) }
        let want: String = desc.map { (b: UInt8) -> String in b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16) }.joined()
        #expect(id == want)
        #expect(Array(notes.prefix(30)).withUnsafeBytes { SymbolSources.gnuBuildID(notes: $0) } == nil)
    }
}
