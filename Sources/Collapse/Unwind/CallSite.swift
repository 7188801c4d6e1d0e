// x86-64 machine code around return addresses and prologues, read from the binary's own bytes
// (Intel SDM Vol. 2A "CALL", AMD APM Vol. 3 "CALL (Near)"; see docs/research stack-unwinding.md §6).

import Symbolize

#if canImport(Glibc)
import Glibc
#endif

/// The instruction that ends at a return address.
enum CallBefore: Equatable {
    /// `E8 rel32`: the target, a file virtual address.
    case direct(UInt64)
    /// `FF /2` through a register or memory: closures, interface methods, function values.
    case indirect
}

enum MachineCode {
    /// The CALL that ends at `ra` (file virtual address), nil when the bytes there are not one.
    static func callBefore(_ elf: ELFFile, returnAddress ra: UInt64) -> CallBefore? {
        guard ra >= 7, let b = elf.read(virtualAddress: ra &- 7, count: 7) else { return nil }
        // b[6] is the byte just before ra; `at(k)` is the byte k before ra.
        @inline(__always) func at(_ k: Int) -> UInt8 { b[7 - k] }
        if at(5) == 0xe8 {
            let rel = Int32(bitPattern: UInt32(at(4)) | UInt32(at(3)) << 8 | UInt32(at(2)) << 16 | UInt32(at(1)) << 24)
            return .direct(ra &+ UInt64(bitPattern: Int64(rel)))
        }
        let modrm1 = at(1), modrm2 = at(2), modrm5 = at(5)
        // ModRM reg field 2 (/2) is CALL; mod selects register (3), [reg] (0), [reg+d8] (1), [reg+d32] (2).
        func isCall(_ m: UInt8, mod: UInt8) -> Bool { m >> 6 == mod && (m >> 3) & 7 == 2 }
        if at(2) == 0xff, isCall(modrm1, mod: 3) { return .indirect }                          // CALL reg (REX 41 optional)
        if at(2) == 0xff, isCall(modrm1, mod: 0), modrm1 & 7 != 4, modrm1 & 7 != 5 { return .indirect }  // CALL [reg]
        if at(3) == 0xff, isCall(modrm2, mod: 1), modrm2 & 7 != 4 { return .indirect }        // CALL [reg+d8]
        if at(6) == 0xff, isCall(modrm5, mod: 2), modrm5 & 7 != 4 { return .indirect }        // CALL [reg+d32]
        if at(6) == 0xff, modrm5 == 0x15 { return .indirect }                                  // CALL [rip+d32]
        if at(3) == 0xff, isCall(modrm2, mod: 0), modrm2 & 7 == 4 { return .indirect }        // CALL [sib]
        if at(4) == 0xff, isCall(at(3), mod: 1), at(3) & 7 == 4 { return .indirect }          // CALL [sib+d8]
        if at(7) == 0xff, isCall(at(6), mod: 2), at(6) & 7 == 4 { return .indirect }          // CALL [sib+d32]
        return nil
    }

    /// Whether the function sets up its frame pointer the Go way, `PUSHQ BP; MOVQ SP, BP` (55 48 89 e5),
    /// within its first 40 bytes (after the stack-bound check the compiler and assembler put first).
    static func pushesFramePointer(_ elf: ELFFile, _ f: GoFrameInfo) -> Bool {
        let n = Int(min(f.end &- f.entry, 40))
        guard n >= 4, let b = elf.read(virtualAddress: f.entry, count: n) else { return false }
        for i in 0...(n - 4) where b[i] == 0x55 && b[i + 1] == 0x48 && b[i + 2] == 0x89 && b[i + 3] == 0xe5 { return true }
        return false
    }

    /// Whether the instruction at `pc` is `MOVQ SP, BP` (48 89 e5): BP is not yet the new frame's.
    static func isMovSPtoBP(_ elf: ELFFile, _ pc: UInt64) -> Bool {
        guard let b = elf.read(virtualAddress: pc, count: 3) else { return false }
        return b[0] == 0x48 && b[1] == 0x89 && b[2] == 0xe5
    }

    /// Where a stub tail-jumps: a function of at most 32 bytes of code (INT3 padding dropped) that ends in
    /// `JMP rel32`/`JMP rel8`, as ABI wrappers (`XORPS X15,X15; MOVQ FS:-8,R14; JMP f`), `gcWriteBarrierN`
    /// (`MOVL $n,R11; JMP gcWriteBarrier<>`) and `morestack_noctxt` are. Nil for anything else.
    static func tailJump(_ elf: ELFFile, _ f: GoFrameInfo) -> UInt64? { tailJump(elf, entry: f.entry, end: f.end) }

    static func tailJump(_ elf: ELFFile, entry: UInt64, end fEnd: UInt64) -> UInt64? {
        let size = Int(min(fEnd &- entry, 64))
        guard size >= 2, let b = elf.read(virtualAddress: entry, count: size) else { return nil }
        var n = size
        while n > 0, b[n - 1] == 0xcc { n -= 1 }
        guard n >= 2, n <= 32 else { return nil }
        let end = entry &+ UInt64(n)
        if n >= 5, b[n - 5] == 0xe9 {
            let rel = Int32(bitPattern: UInt32(b[n - 4]) | UInt32(b[n - 3]) << 8 | UInt32(b[n - 2]) << 16 | UInt32(b[n - 1]) << 24)
            return end &+ UInt64(bitPattern: Int64(rel))
        }
        if b[n - 2] == 0xeb { return end &+ UInt64(bitPattern: Int64(Int8(bitPattern: b[n - 1]))) }
        return nil
    }

    /// The return addresses of `E8` calls in `[start, end)` whose target satisfies `isCallee`. Found by
    /// trying every byte as an opcode: a false match needs 4 more bytes that happen to encode the callee.
    static func directCalls(_ elf: ELFFile, from start: UInt64, to end: UInt64, isCallee: (UInt64) -> Bool) -> [UInt64] {
        // Bounded: Go functions are rarely above a few hundred KB; larger ranges are not scanned.
        guard end > start, end &- start <= 1 << 20, let b = elf.read(virtualAddress: start, count: Int(end &- start)) else { return [] }
        var out: [UInt64] = []
        guard b.count >= 5, let base = b.baseAddress else { return out }
        // Every byte offset holding 0xE8 is a candidate (memchr finds the next: most bytes are not).
        var i = 0
        let last = b.count - 5
        while i <= last, let hit = memchr(base + i, 0xe8, last - i + 1) {
            i = base.distance(to: UnsafeRawPointer(hit))
            let rel = Int32(bitPattern: base.loadUnaligned(fromByteOffset: i + 1, as: UInt32.self).littleEndian)
            let ra = start &+ UInt64(i + 5)
            if isCallee(ra &+ UInt64(bitPattern: Int64(rel))) { out.append(ra) }
            i += 1
        }
        return out
    }
}
