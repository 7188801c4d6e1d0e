import Foundation
import Testing
@testable import Symbolize

/// `GoPclntab.frameInfo(at:)` against the machine code: Fixtures/frameinfo/go1.NN.expected.txt holds, per
/// instruction of a few functions, the SP delta that `go tool objdump`'s PUSHQ/POPQ/SUBQ/ADDQ SP imply
/// (Fixtures/frameinfo/expected.py follows them from the entry through jumps), and the functions the
/// runtime's assembly declares TOPFRAME (Fixtures/generate-frameinfo.sh, commands in frameinfo/commands.log).
@Suite struct FrameInfoTests {
    struct Expected {
        var functions: [(name: String, asm: Bool, followed: Bool, deltas: [(pc: UInt64, delta: Int32)])] = []
        var topFrames: [String] = []
    }

    static func expected(_ version: String) throws -> Expected {
        let text = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("frameinfo/go\(version).expected.txt"), encoding: .utf8)
        var e = Expected()
        for line in text.split(separator: "\n") {
            let w = line.split(separator: " ")
            switch w[0] {
            case "func": e.functions.append((String(w[1]), w[2] == "asm", w[3] == "spdelta", []))
            case "topframe": e.topFrames.append(String(w[1]))
            default: e.functions[e.functions.count - 1].deltas.append((UInt64(w[0], radix: 16)!, Int32(w[1])!))
            }
        }
        return e
    }

    static let versions = ["1.21", "1.25", "1.27"]

    @Test(arguments: versions)
    func spDeltaMatchesTheMachineCode(_ version: String) throws {
        let e = try Self.expected(version)
        let elf = try ELFFile(path: Paths.fixtures.appendingPathComponent("bin/go\(version)/workload").path)
        let p = try #require(try GoPclntab(elf: elf))
        var checked = 0
        for f in e.functions where f.followed {
            let entry = try #require(f.deltas.first?.pc)
            for (pc, delta) in f.deltas {
                let info = try #require(p.frameInfo(at: pc), "\(f.name) \(String(pc, radix: 16))")
                #expect(info.entry == entry)
                #expect(info.spDelta == delta, "\(f.name) at 0x\(String(pc, radix: 16))")
                #expect(pc < info.end)
                checked += 1
            }
            // objdump names the ABI0 symbol `x.abi0`; the pclntab names it `x`.
            let name = f.name.hasSuffix(".abi0") ? String(f.name.dropLast(5)) : f.name
            #expect(p.frameInfo(at: entry)?.name == name)
            #expect(p.maxSPDelta(at: entry) == f.deltas.map(\.delta).max(), "\(f.name)")
        }
        #expect(checked > 1000)
        // Frameless leaves: nothing pushed anywhere (their caller's BP is live throughout).
        for leaf in ["main.hashLoop", "runtime.memmove", "runtime.memclrNoHeapPointers"] {
            let f = try #require(e.functions.first { $0.name == leaf })
            #expect(f.deltas.allSatisfy { $0.delta == 0 })
        }
    }

    @Test(arguments: versions)
    func flagsMatchTheSources(_ version: String) throws {
        let e = try Self.expected(version)
        let elf = try ELFFile(path: Paths.fixtures.appendingPathComponent("bin/go\(version)/workload").path)
        let p = try #require(try GoPclntab(elf: elf))
        #expect(e.topFrames.sorted() == ["runtime.goexit", "runtime.mstart", "runtime.rt0_go", "runtime.sigtramp"])
        for name in e.topFrames {
            let entry = try #require(elf.symbolValue(name + ".abi0") ?? elf.symbolValue(name), "\(name)")
            #expect(p.frameInfo(at: entry)?.flags.contains(GoFuncFlag.topFrame) == true, "\(name)")
        }
        for f in e.functions {
            let info = try #require(p.frameInfo(at: f.deltas.first?.pc ?? elf.symbolValue(f.name) ?? 0), "\(f.name)")
            #expect(info.flags.contains(GoFuncFlag.asm) == f.asm, "\(f.name)")
            if !e.topFrames.contains(info.name) { #expect(!info.flags.contains(GoFuncFlag.topFrame), "\(f.name)") }
            // Assembly whose SP moves cannot be followed from PUSH/POP/SUB/ADD is what the assembler flags SPWRITE.
            if f.asm { #expect(info.flags.contains(GoFuncFlag.spWrite) == !f.followed, "\(f.name)") }
        }
    }
}
