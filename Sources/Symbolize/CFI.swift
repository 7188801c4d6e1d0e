// Call-frame information (CFI) rules per PC, from `.eh_frame` and `.debug_frame`, through elfutils' libdw.
//
// Why libdw's per-PC queries (`dwarf_cfi_addrframe`, `dwarf_frame_cfa`, `dwarf_frame_register`) and not
// `dwfl_frame` as perf does: dwfl wants a process model (a Dwfl per sample, modules reported, memory and
// register callbacks), which perf pays for on every sample. Here the rules are read once per (binary, PC)
// and cached as plain values; evaluating them against a sample's registers and stack dump is a few
// loads (`DwarfUnwinder`), so a capture with millions of samples parses each CIE/FDE once. libdw keeps
// the CIE/FDE parsing, augmentation strings and signal-frame flags exact; we only evaluate.
import CElfUtils

#if canImport(Glibc)
    import Glibc
#endif

/// One DWARF expression operation, as libdw decodes it.
public struct CFIOp: Sendable, Equatable {
    public var atom: UInt8
    public var number: UInt64
    public var number2: UInt64
    public init(atom: UInt8, number: UInt64, number2: UInt64 = 0) {
        self.atom = atom
        self.number = number
        self.number2 = number2
    }
}

/// How a register of the caller is recovered.
public enum CFIRegisterRule: Sendable, Equatable {
    /// Call-clobbered: the caller's value is unknown (`DW_CFA_undefined`; on the return address: the outermost frame).
    case undefined
    /// Unchanged by this frame.
    case sameValue
    /// Saved in memory at the address the expression computes.
    case location([CFIOp])
    /// The value the expression computes (it ended in `DW_OP_stack_value`, dropped here).
    case value([CFIOp])
}

/// The CFI row for one PC: the CFA expression and the rules of the x86-64 DWARF registers 0–16 (16 = RA).
/// A class: the unwinder copies a frame's rule out of its cache on every frame, and a class is one
/// reference to count where a struct of arrays was five.
public final class CFIRule: Sendable, Equatable {
    public let cfa: [CFIOp]
    public let registers: [CFIRegisterRule]
    /// The return-address column (16 on x86-64).
    public let returnAddressRegister: Int
    /// The frame of a signal handler's return trampoline (`S` augmentation): its caller's PC is the
    /// interrupted instruction, not a return address.
    public let isSignalFrame: Bool
    /// The CFA when it is a register plus an offset (`DW_OP_bregN off`, or `DW_OP_bregx N off` as libdw
    /// gives `DW_CFA_def_cfa`), the usual case.
    public let cfaRegisterOffset: (Int, Int64)?
    /// The registers whose rule is not "same value", with their rules: the ones an unwind step changes.
    public let changed: [(Int, CFIRegisterRule)]
    /// `changed` as plain values, in the same order: what the unwinder reads per frame.
    public let steps: [CFIStep]
    /// Whether register 7 (rsp) has a rule of its own (a location or a value: signal trampolines).
    public let spHasRule: Bool

    public init(cfa: [CFIOp], registers: [CFIRegisterRule], returnAddressRegister: Int, isSignalFrame: Bool) {
        self.cfa = cfa
        self.registers = registers
        self.returnAddressRegister = returnAddressRegister
        self.isSignalFrame = isSignalFrame
        if cfa.count == 1, (0x70...0x80).contains(cfa[0].atom) {
            cfaRegisterOffset = (Int(cfa[0].atom - 0x70), Int64(bitPattern: cfa[0].number))
        } else if cfa.count == 1, cfa[0].atom == 0x92, cfa[0].number < 17 {
            cfaRegisterOffset = (Int(cfa[0].number), Int64(bitPattern: cfa[0].number2))
        } else {
            cfaRegisterOffset = nil
        }
        var changed: [(Int, CFIRegisterRule)] = []
        var steps: [CFIStep] = []
        for (r, rule) in registers.enumerated() where rule != .sameValue {
            changed.append((r, rule))
            steps.append(CFIStep(register: r, rule))
        }
        self.changed = changed
        self.steps = steps
        switch registers.count > 7 ? registers[7] : .sameValue {
        case .location, .value: spHasRule = true
        default: spHasRule = false
        }
    }

    /// The CFA offset register `r` is saved at (or, for a value rule, its value is), when its rule is a
    /// plain offset from the CFA.
    public func savedOffset(_ r: Int) -> Int64? {
        steps.first { $0.register == r }.flatMap { $0.hasOffset ? $0.offset : nil }
    }

    public static func == (a: CFIRule, b: CFIRule) -> Bool {
        a.cfa == b.cfa && a.registers == b.registers && a.returnAddressRegister == b.returnAddressRegister
            && a.isSignalFrame == b.isSignalFrame
    }
}

/// What one unwind step does to one register, without the rule's operation arrays: its kind and, for the
/// usual "offset(N)" / "val_offset(N)" rules, N (libdw gives them as `DW_OP_call_frame_cfa` followed by
/// `DW_OP_consts N, DW_OP_plus`, `DW_OP_plus_uconst N`, or nothing for 0). Other expressions are evaluated
/// from `CFIRule.changed`.
public struct CFIStep: Sendable, Equatable {
    /// A closed enum, not an open struct: stackfold's own classification of libdw's rules, compared per
    /// register per frame without a cross-module accessor call.
    public enum Kind: UInt8, Sendable {
        case undefined, sameValue, location, value
    }

    public var register: Int
    public var kind: Kind
    public var offset: Int64
    public var hasOffset: Bool

    init(register: Int, _ rule: CFIRegisterRule) {
        self.register = register
        offset = 0
        hasOffset = false
        let ops: [CFIOp]
        switch rule {
        case .undefined: (kind, ops) = (.undefined, [])
        case .sameValue: (kind, ops) = (.sameValue, [])
        case .location(let o): (kind, ops) = (.location, o)
        case .value(let o): (kind, ops) = (.value, o)
        }
        guard ops.first?.atom == 0x9c else { return }
        if ops.count == 3, ops[1].atom == 0x11 || ops[1].atom == 0x10, ops[2].atom == 0x22 {
            (offset, hasOffset) = (Int64(bitPattern: ops[1].number), true)
        } else if ops.count == 2, ops[1].atom == 0x23 {
            (offset, hasOffset) = (Int64(bitPattern: ops[1].number), true)
        } else if ops.count == 1 {
            hasOffset = true
        }
    }
}

/// The CFI of one ELF file: `.eh_frame` first, then `.debug_frame` (of the file or of its separate debug
/// file). Not thread-safe; owned by one worker like `BinaryImage`.
public final class CFITable {
    private var handles: [(path: String, fd: Int32, elf: OpaquePointer?, dwarf: OpaquePointer?)] = []
    /// `.eh_frame` of the binary (released with `dwarf_cfi_end`).
    private var ehFrame: OpaquePointer?
    /// `.debug_frame` sources, opened on the first PC `.eh_frame` does not cover: `dwarf_begin_elf` reads
    /// (and decompresses) every DWARF section, which costs more than a whole fold of a Go binary.
    private var debugFrames: [OpaquePointer]?
    /// The symbolizer's open DWARF of one of the files (asked for only when `.debug_frame` is needed), so
    /// that file's DWARF is not decompressed a second time. Kept alive while its CFI is in use.
    private let sharedDWARF: () -> DwarfIndex?
    private var shared: DwarfIndex?

    /// Reads `path`'s CFI, and `debugPath`'s `.debug_frame` when given. nil when neither file opens.
    /// `sharing`: an open `DwarfIndex` of `path` or `debugPath` whose handle serves that file's `.debug_frame`.
    public init?(path: String, debugPath: String? = nil, sharing: @escaping () -> DwarfIndex? = { nil }) {
        sharedDWARF = sharing
        _ = elf_version(UInt32(EV_CURRENT))
        for p in [path, debugPath].compactMap({ $0 }) {
            let fd = open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, let elf = elf_begin(fd, ELF_C_READ_MMAP, nil)
            else {
                close(fd)
                continue
            }
            if handles.isEmpty { ehFrame = dwarf_getcfi_elf(elf) }
            handles.append((p, fd, elf, nil))
        }
        if handles.isEmpty { return nil }
    }

    deinit {
        if let eh = ehFrame { dwarf_cfi_end(eh) }
        for h in handles {
            if let d = h.dwarf { dwarf_end(d) }
            elf_end(h.elf)
            close(h.fd)
        }
    }

    private func debugFrameSources() -> [OpaquePointer] {
        if let d = debugFrames { return d }
        var out: [OpaquePointer] = []
        for i in handles.indices {
            // Files without a .debug_frame (libc's debug file) are not opened as DWARF at all.
            guard Self.hasDebugFrame(handles[i].elf) else { continue }
            if shared == nil { shared = sharedDWARF() }
            if let s = shared, s.path == handles[i].path {
                if let h = s.handle, let df = dwarf_getcfi(h) { out.append(df) }
                continue
            }
            guard let dw = dwarf_begin_elf(handles[i].elf, DWARF_C_READ, nil) else { continue }
            handles[i].dwarf = dw
            if let df = dwarf_getcfi(dw) { out.append(df) }
        }
        debugFrames = out
        return out
    }

    /// Whether the ELF file has a `.debug_frame` (or GNU-compressed `.zdebug_frame`) section.
    static func hasDebugFrame(_ elf: OpaquePointer?) -> Bool {
        var strndx = 0
        guard elf_getshdrstrndx(elf, &strndx) == 0 else { return false }
        var scn = elf_nextscn(elf, nil)
        var shdr = GElf_Shdr()
        while let s = scn {
            if gelf_getshdr(s, &shdr) != nil, let name = elf_strptr(elf, strndx, Int(shdr.sh_name)),
                strcmp(name, ".debug_frame") == 0 || strcmp(name, ".zdebug_frame") == 0
            {
                return true
            }
            scn = elf_nextscn(elf, s)
        }
        return false
    }

    /// The row covering file virtual address `vaddr`; nil where no FDE covers it.
    public func rule(at vaddr: UInt64) -> CFIRule? {
        if let eh = ehFrame, let r = Self.rule(eh, vaddr) { return r }
        for df in debugFrameSources() {
            if let r = Self.rule(df, vaddr) { return r }
        }
        return nil
    }

    static func rule(_ cfi: OpaquePointer, _ vaddr: UInt64) -> CFIRule? {
        var frame: OpaquePointer?
        guard dwarf_cfi_addrframe(cfi, Dwarf_Addr(vaddr), &frame) == 0, let frame else { return nil }
        defer { free(UnsafeMutableRawPointer(frame)) }
        return row(frame)
    }

    static func row(_ frame: OpaquePointer) -> CFIRule? {
        var signal = false
        let ra = dwarf_frame_info(frame, nil, nil, &signal)
        guard ra >= 0 else { return nil }
        var ops: UnsafeMutablePointer<Dwarf_Op>?
        var nops = 0
        guard dwarf_frame_cfa(frame, &ops, &nops) == 0, nops > 0, let ops else { return nil }
        let cfa = (0..<nops).map { convert(ops[$0]) }
        var regs: [CFIRegisterRule] = []
        regs.reserveCapacity(17)
        var mem = (Dwarf_Op(), Dwarf_Op(), Dwarf_Op())
        for r in 0...16 {
            var out: UnsafeMutablePointer<Dwarf_Op>?
            var n = 0
            let rc = withUnsafeMutablePointer(to: &mem) { p in
                p.withMemoryRebound(to: Dwarf_Op.self, capacity: 3) {
                    dwarf_frame_register(frame, Int32(r), $0, &out, &n)
                }
            }
            guard rc == 0 else { regs.append(.undefined); continue }
            guard n > 0, let out else {
                regs.append(out == nil ? .sameValue : .undefined)
                continue
            }
            var list = (0..<n).map { convert(out[$0]) }
            if list.last?.atom == 0x9f {  // DW_OP_stack_value
                list.removeLast()
                regs.append(.value(list))
            } else {
                regs.append(.location(list))
            }
        }
        return CFIRule(cfa: cfa, registers: regs, returnAddressRegister: Int(ra), isSignalFrame: signal)
    }

    static func convert(_ op: Dwarf_Op) -> CFIOp { CFIOp(atom: op.atom, number: op.number, number2: op.number2) }
}
