import Foundation
import Testing
@testable import Symbolize

/// The names-only lookup's fast paths against what they replaced, over the PCs of the Go workloads: the
/// elision's early return, `cstr`'s memchr, and the names-only cache that keeps only the elided answer.
@Suite struct NamesOnlyFastPathTests {
    /// `elideWrappers` as it was: every frame copied.
    static func elideCopying(_ frames: [SourceFrame], _ p: GoPclntab) -> [SourceFrame] {
        guard let wrapper = p.wrapperFuncID, let m = p.goMinor else { return frames }
        let keep: (UInt8, UInt8, UInt8) = m >= 22 ? (10, m >= 25 ? 20 : 19, 15) : (9, 18, 14)
        var out: [SourceFrame] = []
        var callee: UInt8 = 0
        for (i, f) in frames.enumerated() {
            if i > 0, f.funcID == wrapper, callee != keep.0, callee != keep.1, callee != keep.2 {
                callee = f.funcID
                continue
            }
            out.append(f)
            callee = f.funcID
        }
        return out
    }

    /// `cstr` as it was: a byte search through the Collection API.
    static func cstrSearching(_ p: GoPclntab, _ off: Int) -> String {
        guard off >= 0, off < p.table.count else { return "?" }
        let rest = UnsafeRawBufferPointer(rebasing: p.table[off...])
        let end = rest.firstIndex(of: 0) ?? rest.count
        return String(decoding: UnsafeRawBufferPointer(rebasing: rest[0..<end]), as: UTF8.self)
    }

    /// Every function's entry, second and last byte, and about `stride` PCs evenly through the text.
    static func probePCs(_ p: GoPclntab, stride n: Int) throws -> [UInt64] {
        let end = p.textStart &+ UInt64(try #require(p.u32(p.functab + 8 * p.nfunc)))
        var pcs: [UInt64] = []
        for i in 0..<p.nfunc {
            let entry = p.textStart &+ UInt64(try #require(p.u32(p.functab + 8 * i)))
            let next = p.textStart &+ UInt64(try #require(p.u32(p.functab + 8 * (i + 1))))
            pcs += [entry, entry &+ 1, next &- 1]
        }
        return pcs + stride(from: p.textStart, to: end, by: max(1, Int(end - p.textStart) / n))
    }

    @Test(arguments: ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"])
    func fastPathsAnswerAsTheOldOnes(_ version: String) throws {
        let path = Paths.fixtures.appendingPathComponent("bin/go\(version)/workload").path
        let p = try #require(try GoPclntab(elf: ELFFile(path: path)))
        let image = try BinaryImage(path: path)
        let reference = try BinaryImage(path: path)
        let pcs = try Self.probePCs(p, stride: 20_000)
        for i in 0..<p.nfunc {
            let name = p.funcnametab + Int(p.field(p.functab + Int(try #require(p.u32(p.functab + 8 * i + 4))), 1))
            #expect(p.cstr(name) == Self.cstrSearching(p, name))
        }
        var elided = 0
        for pc in pcs {
            let raw = p.frames(at: pc, lines: false)
            let old = Self.elideCopying(raw, p)
            #expect(p.elideWrappers(raw) == old, "\(String(pc, radix: 16))")
            if old.count < raw.count { elided += 1 }
            for ret in [false, true] {
                // Go style first, then plain from the same image: the plain answer was not cached beside it.
                let goStyle = image.frames(at: pc, isReturnAddress: ret, goStyle: true, lines: false)
                let plain = image.frames(at: pc, isReturnAddress: ret, goStyle: false, lines: false)
                let a = reference.lookupAddress(pc, isReturnAddress: ret)
                let refRaw = reference.lookup(a, lines: false)
                #expect(plain == refRaw, "\(String(pc, radix: 16))")
                #expect(goStyle == Self.elideCopying(refRaw, p), "\(String(pc, radix: 16))")
                #expect(image.frames(at: pc, isReturnAddress: ret, goStyle: true, lines: false) == goStyle)
            }
        }
        #expect(pcs.count > 20_000)
        // The copying path ran too: some PCs sit in a wrapper inlined into its caller.
        #expect(elided > 0)
        // Names past the table, at its last byte, and one that runs to its end without a NUL.
        for off in [-1, p.table.count, p.table.count - 1, p.table.count - 3, 0] {
            #expect(p.cstr(off) == Self.cstrSearching(p, off))
        }
    }
}
