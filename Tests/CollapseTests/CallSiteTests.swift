import Foundation
import Testing
@testable import Collapse
@testable import Symbolize

/// The CALL decoder of the frame-pointer repair against binutils: Fixtures/frameinfo/go1.25-leaves.calls.txt
/// lists, for every instruction end of main.* and a few runtime functions of bin/go1.25/leaves, whether
/// `objdump -d` shows a direct CALL (and its target), an indirect one, or another instruction there
/// (Fixtures/generate-leaves.sh, commands in Fixtures/leaves/commands.log).
@Suite struct CallSiteTests {
    static let binary = Paths.fixtures.appendingPathComponent("bin/go1.25/leaves").path

    @Test func callsDecodeAsObjdumpDecodesThem() throws {
        let elf = try ELFFile(path: Self.binary)
        let text = try String(contentsOf: Paths.fixtures.appendingPathComponent("frameinfo/go1.25-leaves.calls.txt"), encoding: .utf8)
        var direct = 0, indirect = 0, others = 0, falseCalls = 0
        for line in text.split(separator: "\n") {
            let w = line.split(separator: " ")
            let end = UInt64(w[0], radix: 16)!
            let got = MachineCode.callBefore(elf, returnAddress: end)
            switch w[1] {
            case "direct":
                #expect(got == .direct(UInt64(w[2], radix: 16)!), "\(line)")
                direct += 1
            case "indirect":
                #expect(got == .indirect, "\(line)")
                indirect += 1
            default:
                others += 1
                if got != nil { falseCalls += 1 }
            }
        }
        #expect(direct > 50 && indirect > 3 && others > 1000)
        // Not a return address, yet bytes that read as a CALL: the repair only asks at return addresses, and
        // a wrong answer there is caught by the target check. Few, and never where objdump sees a call.
        #expect(falseCalls * 50 < others, "\(falseCalls) of \(others) other instruction ends read as a CALL")
    }

    /// Addresses from a hostile capture: outside the file, at 0, wrapping; the answers are nil, not traps.
    @Test func hostileAddressesGiveNothing() throws {
        let elf = try ELFFile(path: Self.binary)
        for a: UInt64 in [0, 1, 6, 7, .max, .max - 3, 1 << 63] {
            #expect(MachineCode.callBefore(elf, returnAddress: a) == nil)
            #expect(MachineCode.isMovSPtoBP(elf, a) == false)
        }
        #expect(MachineCode.directCalls(elf, from: 10, to: 5) { _ in true }.isEmpty)
        #expect(MachineCode.directCalls(elf, from: 0, to: .max) { _ in true }.isEmpty)
        let p = try #require(try GoPclntab(elf: elf))
        for a: UInt64 in [0, .max, 1 << 63] {
            #expect(p.frameInfo(at: a) == nil)
            #expect(p.maxSPDelta(at: a) == nil)
        }
        let bogus = GoFrameInfo(entry: .max - 2, end: 3, spDelta: nil, flags: GoFuncFlag(rawValue: 0xff), funcID: 0, name: "")
        #expect(MachineCode.tailJump(elf, bogus) == nil)
        #expect(MachineCode.pushesFramePointer(elf, bogus) == false)
    }
}
