import BinaryIO
import Foundation
import PerfData
import Testing
import TestSupport
@testable import Collapse
@testable import Symbolize

/// The frame a Go injected call interrupted (async preemption's `runtime.asyncPreempt`, a fault's
/// `sigpanic`) is an exact PC, not a return address (Sources/Collapse/Unwind/InjectedCalls.swift). Truth
/// from outside: the Go runtime's own frames for that PC (Fixtures/oracle/go1.23.jsonl, runtime.CallersFrames
/// in the workload's oracle mode). Fixture: Fixtures/perf/go1.23-fp-mono.data, a real `perf record -g`
/// capture with one sample taken while `main.hashLoop` was being preempted.
@Suite struct InjectedCallChainTests {
    struct Answer: Decodable {
        struct Frame: Decodable { var function: String }
        var addr: String
        var frames: [Frame]
    }

    /// Per sample with an injected call: the physical frame after it, as (address, functions innermost
    /// first), and the `found` of the frame after that.
    static func interrupted(recorded: Bool) throws -> [(addr: String, functions: [String], next: String?)] {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.23").path]
        o.useRunningKernel = false
        o.recordedStacks = recorded
        var w = PerfScriptWriter(options: o, json: true)
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(PerfFile(path: Paths.fixtures.appendingPathComponent("perf/go1.23-fp-mono.data").path), to: &out)
        var found: [(String, [String], String?)] = []
        for line in String(decoding: out.take(), as: UTF8.self).split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let stack = try #require(o["stack"] as? [[String: Any]])
            guard let k = stack.firstIndex(where: { $0["function"] as? String == "runtime.asyncPreempt" }) else { continue }
            let addr = try #require(stack[k + 1]["addr"] as? String)
            let same = stack[(k + 1)...].prefix { $0["addr"] as? String == addr }
            let after = stack.dropFirst(k + 1 + same.count).first
            found.append((addr, same.map { $0["function"] as? String ?? "?" }, after?["found"] as? String))
        }
        return found
    }

    @Test func interruptedFrameIsNamedAsTheRuntimeNamesItsPC() throws {
        let text = try String(contentsOf: Paths.fixtures.appendingPathComponent("oracle/go1.23.jsonl"), encoding: .utf8)
        var oracle: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let a = try JSONDecoder().decode(Answer.self, from: Data(line.utf8))
            oracle[a.addr] = a.frames.map(\.function)
        }
        let ours = try Self.interrupted(recorded: false)
        #expect(ours.count == 1)
        for f in ours {
            let expected = try #require(oracle[f.addr], "the oracle covers every instruction of main.*")
            #expect(f.functions == expected)
            // The interrupted main.hashLoop is frameless: perf's walk skipped its caller, put back from the
            // CALL before the next return address (scripts/check-call-edges.py finds it a direct call).
            #expect(f.next == "call-site")
        }
        // As recorded, the PC is looked up as a return address: an inlined frame that is not there.
        let recorded = try Self.interrupted(recorded: true)
        #expect(recorded.count == ours.count)
        #expect(zip(recorded, ours).contains { $0.functions != $1.functions })
    }

    /// Folds one crafted `-g` sample of the go1.23 workload, its text mapped as the kernel maps it
    /// (`readelf -l`: the first LOAD, R E, 0xbe555 bytes at 0x400000, file offset 0).
    static func foldCrafted(_ chain: [UInt64], recorded: Bool = false, dwarf: Bool = false) throws -> String {
        var collapser = PerfCollapser(options: craftedOptions(recorded: recorded))
        try collapser.collapse(try PerfFile(file: crafted(chain, dwarf: dwarf)))
        return String(decoding: collapser.folded(), as: UTF8.self)
    }

    /// The crafted capture of `foldCrafted`: one sample, `-g` or (`dwarf`) a dwarf one without registers.
    static func crafted(_ chain: [UInt64], dwarf: Bool) -> MappedFile {
        let path = Paths.fixtures.appendingPathComponent("bin/go1.23/workload").path
        var c = CraftedPerfData()
        c.dwarf = dwarf
        c.comm(pid: 100, name: "workload")
        c.mmap2(pid: 100, start: 0x40_0000, length: 0xb_f000, name: path)
        if dwarf { c.dwarfSample(pid: 100, time: 10, chain: chain) } else { c.sample(pid: 100, time: 10, chain: chain) }
        return c.file()
    }

    static func craftedOptions(recorded: Bool) -> PerfCollapseOptions {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.binaries.searchDirs = [Paths.fixtures.appendingPathComponent("bin/go1.23").path]
        o.useRunningKernel = false
        o.weightByPeriod = false
        o.recordedStacks = recorded
        return o
    }

    /// A dwarf sample that cannot be unwound (no user registers) is folded from its chain, and `script`
    /// prints the stack `collapse` folds: the injected call's interrupted PC exact in both. (`script`
    /// once took the second look only for samples without a stack dump.)
    @Test func scriptAndCollapseAgreeOnAnUnwindlessDwarfSample() throws {
        let chain: [UInt64] = [0x43_4659, 0x47_00db, 0x4b_c543, 0x4b_e3f8]
        let folded = try Self.foldCrafted(chain, dwarf: true)
        let expected = ";main.cpuWork;main.hashLoop;main.rotate;runtime.asyncPreempt;runtime.asyncPreempt2 1"
        #expect(folded.contains(expected), "\(folded)")
        var w = PerfScriptWriter(options: Self.craftedOptions(recorded: false), json: true)
        var out = OutputBuffer(fd: -1, flushThreshold: 1 << 24)
        try w.write(PerfFile(file: Self.crafted(chain, dwarf: true)), to: &out)
        let line = try #require(String(decoding: out.take(), as: UTF8.self).split(separator: "\n").first)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let stack = try #require(o["stack"] as? [[String: Any]])
        let printed = stack.reversed().map { $0["function"] as? String ?? "?" }.joined(separator: ";")
        #expect(folded.hasSuffix(";" + printed + " 1\n"), "\(printed) vs \(folded)")
    }

    /// At `asyncPreempt+0` (where a signal return lands) the injected call's frame has not set BP yet:
    /// perf's next entry is an ordinary return address and stays one. Past its prologue (here: inside
    /// asyncPreempt2, called from it) the entry after its frame is the interrupted PC, looked up exactly.
    /// 0x4bc543 is the sample's interrupted PC above: `mix` is inlined at the instruction before it only.
    @Test func onlyAnInjectedFrameThatOwnsBPHoldsTheInterruptedPC() throws {
        // The ELF symbol (an assembly function: ABI0) gives the entry: `nm` prints it the same.
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.23/workload").path)
        let entry = try #require(image.elf.functionSymbols.first { $0.name == "runtime.asyncPreempt.abi0" }?.value)
        let atEntry = try Self.foldCrafted([entry, 0x4b_c543, 0x4b_e3f8])
        #expect(atEntry.contains(";main.hashLoop;main.rotate;main.mix;runtime.asyncPreempt 1"), "\(atEntry)")
        #expect(!atEntry.contains("main.cpuWork"))
        let inside = try Self.foldCrafted([0x43_4659, 0x47_00db, 0x4b_c543, 0x4b_e3f8])
        #expect(inside.contains(";main.cpuWork;main.hashLoop;main.rotate;runtime.asyncPreempt;runtime.asyncPreempt2 1"), "\(inside)")
    }

    /// A signal handler's frame returns to Go's restorer (planted by the kernel); the entries after it come
    /// from the interrupted code's BP, so the interrupted function is missing. The CALL before the next
    /// entry names it: `objdump -d` shows `4be3f3: e8 c8 e1 ff ff call 4bc5c0 <main.cpuWork>`.
    @Test func theFunctionASignalInterruptedComesBack() throws {
        // sigtramp.abi0+0x46 (after its frame set-up), sigreturn__sigaction.abi0+0 (`nm`), main.main.func1+0x18.
        let chain: [UInt64] = [0x47_06a6, 0x47_07a0, 0x4b_e3f8]
        let folded = try Self.foldCrafted(chain)
        #expect(folded.hasSuffix(";main.main.func1;main.cpuWork;runtime.sigreturn__sigaction;runtime.sigtramp 1\n"), "\(folded)")
        let recorded = try Self.foldCrafted(chain, recorded: true)
        #expect(recorded.hasSuffix(";main.main.func1;runtime.sigreturn__sigaction;runtime.sigtramp 1\n"), "\(recorded)")
    }
}
