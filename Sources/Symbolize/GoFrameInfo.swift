import BinaryIO
/// Go's `abi.FuncFlag` (`internal/abi/symtab.go`): how the runtime's unwinder must treat a function.
/// Open: values a later Go release adds are kept as they are.
public struct GoFuncFlag: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The outermost frame of a stack (`goexit`, `mstart`, `rt0_go`, `sigtramp`): unwinding stops here.
    public static let topFrame = GoFuncFlag(rawValue: 1)
    /// Writes SP other than by the usual frame set-up (`systemstack`, `mcall`, `morestack`, `gogo`…):
    /// its caller cannot be found from SP when it is not the innermost frame.
    public static let spWrite = GoFuncFlag(rawValue: 2)
    /// Written in assembly: the frame-pointer prologue is not implied by a frame size.
    public static let asm = GoFuncFlag(rawValue: 4)

    public func contains(_ f: GoFuncFlag) -> Bool { rawValue & f.rawValue == f.rawValue }
}

/// What the pclntab says about the frame at one PC: what the runtime's unwinder reads (`funcspdelta`,
/// `funcInfo.flag`) to step from a PC and SP to the caller.
public struct GoFrameInfo: Sendable, Equatable {
    /// The function's first instruction.
    public var entry: UInt64
    /// Where the next function starts (the end of this one's code, padding included).
    public var end: UInt64
    /// Bytes the function has pushed below its return address at the PC (runtime `funcspdelta`): the
    /// return address is at SP + spDelta, the caller's SP is SP + spDelta + 8. Nil when the function has no
    /// pcsp table or the PC lies outside it.
    public var spDelta: Int32?
    public var flags: GoFuncFlag
    /// Go's FuncID (numbering depends on the Go version; compare names, not numbers, across versions).
    public var funcID: UInt8
    /// The function's name as the linker wrote it.
    public var name: String
}

extension GoPclntab {
    /// The frame facts at `pc` (an exact PC: for a return address pass it unchanged, as the runtime looks
    /// pcsp up at the return address itself); nil outside Go's functions. `named: false` leaves `name`
    /// empty, for callers that only step frames (a name String costs an allocation for most Go names).
    public func frameInfo(at pc: UInt64, named: Bool = true) -> GoFrameInfo? {
        guard let (entry, next, f) = funcBounds(pc) else { return nil }
        let sp = pcvalue(field(f, 4), entry: entry, target: pc)
        return GoFrameInfo(entry: entry, end: next, spDelta: sp >= 0 ? sp : nil,
                           flags: GoFuncFlag(rawValue: table[f + funcSize - 3]), funcID: table[f + funcSize - 4],
                           name: named ? cstr(funcnametab + Int(field(f, 1))) : "")
    }

    /// `frameInfo(at: pc, named: false)` and where the function's name starts in the table, for callers
    /// that compare the name's bytes in place (`nameIs`) and build it (`name(at:)`) only when they keep it:
    /// the String was a third of the unwinder's cost per new PC.
    /// `spDelta` is -1 where `frameInfo` has none. Plain values: a `GoFrameInfo` with its (empty) name cost
    /// ~150 instructions to destroy.
    public func frameFacts(at pc: UInt64) -> (spDelta: Int32, flags: GoFuncFlag, funcID: UInt8, nameOffset: Int)? {
        guard let (entry, _, f) = funcBounds(pc) else { return nil }
        let sp = pcvalue(field(f, 4), entry: entry, target: pc)
        return (sp >= 0 ? sp : -1, GoFuncFlag(rawValue: table[f + funcSize - 3]), table[f + funcSize - 4],
                funcnametab &+ Int(field(f, 1)))
    }

    /// The name at `offset` of `frameFacts`, as `frameInfo` gives it.
    public func name(at offset: Int) -> String { cstr(offset) }

    /// Whether the name at `offset` of `frameFacts` is `utf8` (no NUL in it), byte for byte: what
    /// `name(at: offset) == String(decoding: utf8, as: UTF8.self)` says for an ASCII name without the
    /// characters another one is canonically equivalent to (K, `;`, backquote).
    public func nameIs(at offset: Int, _ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        // `cstr`'s name outside the table.
        guard offset >= 0, offset < table.count else { return utf8.count == 1 && utf8[0] == UInt8(ascii: "?") }
        let room = table.count &- offset, n = utf8.count
        guard n <= room else { return false }
        for i in 0..<n where table[offset &+ i] != utf8[i] { return false }
        return n == room || table[offset &+ n] == 0
    }

    /// The function holding `pc`: its entry, end, flags and FuncID, without decoding its SP delta (for
    /// callers that only classify functions).
    public func funcKind(at pc: UInt64) -> (entry: UInt64, end: UInt64, flags: GoFuncFlag, funcID: UInt8)? {
        guard let (entry, next, f) = funcBounds(pc) else { return nil }
        return (entry, next, GoFuncFlag(rawValue: table[f + funcSize - 3]), table[f + funcSize - 4])
    }

    /// The largest SP delta anywhere in the function holding `pc`: 0 means it never pushes anything (a
    /// frameless leaf), so its frame pointer is never its own. Nil without a readable pcsp table.
    public func maxSPDelta(at pc: UInt64) -> Int32? {
        guard let (entry, end, f) = funcBounds(pc) else { return nil }
        let off = field(f, 4)
        guard off != 0 else { return nil }
        let start = pctab + Int(off)
        guard start < table.count else { return nil }
        var c = ByteCursor(UnsafeRawBufferPointer(rebasing: table[start...]))
        var val: Int32 = -1, best: Int32 = -1
        var first = true
        // Bounded by the function's size: every step but the last advances the PC by at least one quantum.
        let limit = end &- entry
        var steps: UInt64 = 0
        while steps <= limit {
            steps &+= 1
            guard let uv = try? c.uleb128() else { return nil }
            if uv == 0 && !first { break }
            first = false
            let delta = Int32(truncatingIfNeeded: uv >> 1)
            val = val &+ ((uv & 1) != 0 ? ~delta : delta)
            best = max(best, val)
            guard (try? c.uleb128()) != nil else { return nil }
        }
        return best >= 0 ? best : nil
    }

    /// The function holding `pc` as `findFunc` finds it, with where the next function starts (the end of
    /// Go's text for the last): one search of the functab where `findFunc` and a second search for the end
    /// made two, each `u32` read re-checking bounds and byte order (the repair and the unwinder look up
    /// thousands of new PCs per capture).
    public func funcBounds(_ pc: UInt64) -> (entry: UInt64, end: UInt64, f: Int)? {
        guard pc >= textStart, nfunc > 0, functab >= 0 else { return nil }
        let off = pc - textStart
        guard let last = u32(functab + 8 * nfunc), off < UInt64(last) else { return nil }
        // Every word read below lies before the one just read, so inside the table.
        let swap = order != .host
        let t = table
        let base = functab
        @inline(__always) func word(_ at: Int) -> UInt32 {
            let v = t.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return swap ? v.byteSwapped : v
        }
        var lo = 0, hi = nfunc
        while lo < hi {
            // 0 <= lo < hi <= nfunc: no overflow, no sign (a checked `/ 2` was a third of the search).
            let mid = (lo &+ hi) &>> 1
            if UInt64(word(base &+ 8 &* mid)) <= off { lo = mid &+ 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let e = word(base &+ 8 &* (lo - 1)), fo = word(base &+ 8 &* (lo - 1) &+ 4)
        let f = base + Int(fo)
        guard f + funcSize <= table.count else { return nil }
        return (textStart &+ UInt64(e), textStart &+ UInt64(word(base &+ 8 &* lo)), f)
    }
}
