/// What unwinding a Go frame needs from the pclntab: the SP delta (pcsp) at a PC and the function's flags.
public struct GoFrameInfo: Sendable, Equatable {
    /// File virtual address of the function's entry.
    public var entry: UInt64
    /// Bytes the function has pushed below its return address at this PC (runtime `funcspdelta`); -1: no table.
    public var spDelta: Int32
    /// `abi.FuncFlag`: TopFrame = 1, SPWrite = 2, Asm = 4.
    public var flags: UInt8
    public var name: String

    public var isTopFrame: Bool { flags & 1 != 0 }
    public var writesSP: Bool { flags & 2 != 0 }
    public var isAsm: Bool { flags & 4 != 0 }
}

extension GoPclntab {
    /// The unwind facts of the function holding `pc` (a file virtual address), looked up at `pc` itself as
    /// the runtime's `resolveInternal` does (for a return address too: Go keeps return addresses inside
    /// their function). nil outside Go's text.
    public func frameInfo(at pc: UInt64) -> GoFrameInfo? {
        guard let (entry, f) = findFunc(pc) else { return nil }
        let sp = pcvalue(field(f, 4), entry: entry, target: pc)
        return GoFrameInfo(entry: entry, spDelta: sp, flags: table[f + funcSize - 3],
                           name: cstr(funcnametab + Int(field(f, 1))))
    }
}
