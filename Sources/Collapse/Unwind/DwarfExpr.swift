// The DWARF expressions CFI uses (DWARF 5 §2.5), evaluated against a sample's registers and stack dump.
// Only what call-frame rules contain: register-relative addresses, constants, arithmetic, comparison and
// `deref` (PLT entries and signal trampolines use these). Anything else fails the frame: no guessing.
import Symbolize

extension DwarfUnwinder {
    /// The value of `ops` with `cfa` pushed by `DW_OP_call_frame_cfa`; at most 64 stack entries.
    static func evaluate(_ ops: [CFIOp], regs: UnwindRegisters, cfa: UInt64?, dump: StackDump) -> Result<
        UInt64, UnwindFailure
    > {
        // On the machine stack, not the heap: rows of PLT entries and signal trampolines are evaluated per frame.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { buffer in
            var stack = ExprStack(buffer: buffer)
            return evaluate(ops, regs: regs, cfa: cfa, dump: dump, stack: &stack)
        }
    }

    /// At most 64 values: an operation is refused when the stack already holds 64.
    struct ExprStack {
        let buffer: UnsafeMutableBufferPointer<UInt64>
        var count = 0
        var last: UInt64? { count > 0 ? buffer[count - 1] : nil }
        mutating func append(_ v: UInt64) {
            buffer[count] = v
            count += 1
        }
        mutating func popLast() -> UInt64? {
            guard count > 0 else { return nil }
            count -= 1
            return buffer[count]
        }
    }

    private static func evaluate(
        _ ops: [CFIOp], regs: UnwindRegisters, cfa: UInt64?, dump: StackDump, stack: inout ExprStack
    ) -> Result<UInt64, UnwindFailure> {
        let bad = UnwindFailure(.badFrame)
        func pop() -> UInt64? { stack.popLast() }
        for op in ops {
            guard stack.count < 64 else { return .failure(bad) }
            let a = op.atom
            switch a {
            case 0x70...0x80:  // DW_OP_breg0..16
                guard let r = regs[Int(a - 0x70)] else { return .failure(bad) }
                stack.append(r &+ op.number)
            case 0x92:  // DW_OP_bregx
                guard op.number < 17, let r = regs[Int(op.number)] else { return .failure(bad) }
                stack.append(r &+ op.number2)
            case 0x9c:  // DW_OP_call_frame_cfa
                guard let cfa else { return .failure(bad) }
                stack.append(cfa)
            case 0x30...0x4f: stack.append(UInt64(a - 0x30))  // DW_OP_lit0..31
            case 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11: stack.append(op.number)  // const*, constu, consts
            case 0x12:  // dup
                guard let v = stack.last else { return .failure(bad) }
                stack.append(v)
            case 0x13: guard pop() != nil else { return .failure(bad) }  // drop
            case 0x06:  // deref
                guard let addr = pop() else { return .failure(bad) }
                switch dump.word(addr) {
                case .success(let v): stack.append(v)
                case .failure(let f): return .failure(f)
                }
            case 0x23:  // plus_uconst
                guard let v = pop() else { return .failure(bad) }
                stack.append(v &+ op.number)
            case 0x1a, 0x1c, 0x1e, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e:
                guard let b = pop(), let x = pop() else { return .failure(bad) }
                stack.append(binary(a, x, b))
            default:
                return .failure(bad)
            }
        }
        guard let v = stack.last else { return .failure(bad) }
        return .success(v)
    }

    /// and, minus, mul, or, plus, shl, shr, shra, xor, eq, ge, gt, le, lt, ne (comparisons signed, as DWARF says).
    static func binary(_ a: UInt8, _ x: UInt64, _ b: UInt64) -> UInt64 {
        let sx = Int64(bitPattern: x), sb = Int64(bitPattern: b)
        switch a {
        case 0x1a: return x & b
        case 0x1c: return x &- b
        case 0x1e: return x &* b
        case 0x21: return x | b
        case 0x22: return x &+ b
        case 0x24: return b >= 64 ? 0 : x << b
        case 0x25: return b >= 64 ? 0 : x >> b
        case 0x26: return UInt64(bitPattern: b >= 64 ? (sx < 0 ? -1 : 0) : sx >> sb)
        case 0x27: return x ^ b
        case 0x29: return x == b ? 1 : 0
        case 0x2a: return sx >= sb ? 1 : 0
        case 0x2b: return sx > sb ? 1 : 0
        case 0x2c: return sx <= sb ? 1 : 0
        case 0x2d: return sx < sb ? 1 : 0
        default: return x != b ? 1 : 0
        }
    }
}
