// A frame's unwind rule as plain bits, what the unwinder reads per frame. `FrameRule` holds a String (Go)
// or a class (CFI): copying one out of a cache cost a retain and a release per frame, and telling Go's
// signal trampolines apart hashed the name per frame (about 450 instructions a frame on a pure-Go
// capture). Here the name checks are made once per rule, and the CFI row is an unretained reference that
// the owner of the rule keeps alive (`objects`).
import Symbolize

struct FlatRule {
    enum Kind: UInt8 {
        case none, go, cfi
    }

    /// Go facts, decided once per rule (`DwarfUnwinder.goStep` reads them).
    struct GoBits: OptionSet {
        var rawValue: UInt8
        /// `GoFuncFlag.spWrite`.
        static let spWrite = GoBits(rawValue: 1)
        /// A TopFrame function other than a signal handler entry: the unwind ends here.
        static let root = GoBits(rawValue: 2)
        /// A signal-return trampoline (`DwarfUnwinder.goSigreturns`).
        static let sigreturn = GoBits(rawValue: 4)
        /// `GoFuncFlag.asm`.
        static let asm = GoBits(rawValue: 8)
        /// A function the runtime enters by an injected call: its caller's PC is exact
        /// (`DwarfUnwinder.callerIsExact`).
        static let callerExact = GoBits(rawValue: 16)
        /// The frames the unwinder's inline Go step leaves to `DwarfUnwinder.goSpecialStep`.
        static let unusual: GoBits = [.spWrite, .root, .sigreturn]
        /// A frame `DwarfUnwinder.goRun` takes: neither SPWrite nor sigreturn, with an SP delta (one test
        /// per frame there, not three).
        static let runnable = GoBits(rawValue: 32)
        /// A frame whose step reads the caller's saved BP: an SP delta of 8 or more, not `asm`.
        static let savesBP = GoBits(rawValue: 64)
        /// `DwarfUnwinder.goReturnInR12`: where its SP delta is negative, its return address is in R12.
        static let returnInR12 = GoBits(rawValue: 128)
    }

    var kind = Kind.none
    var go = GoBits()
    /// Go: the SP delta at the PC; negative when the function has none there.
    var spDelta: Int32 = -1
    /// CFI: the `CFIRule` (nil for Go rules).
    var object: Unmanaged<AnyObject>?

    static var none: FlatRule { FlatRule() }

    /// `rule` as plain bits; the object it refers to is appended to `objects`, which must outlive it.
    init(_ rule: FrameRule, objects: inout [AnyObject]) {
        switch rule {
        case .none: self.init()
        case .go(let info):
            self.init(
                goSPDelta: info.spDelta.map { $0 >= 0 ? $0 : -1 } ?? -1, flags: info.flags,
                callerExact: DwarfUnwinder.callerIsExact(info), sigreturn: DwarfUnwinder.isGoSigreturn(info.name),
                root: DwarfUnwinder.isGoRoot(flags: info.flags, name: info.name),
                returnInR12: DwarfUnwinder.goReturnInR12.contains(info.name))
        case .cfi(let row):
            self.init()
            kind = .cfi
            objects.append(row)
            object = Unmanaged.passUnretained(row)
        }
    }

    private init() {}

    /// `init(.go(p.frameInfo(at: pc)!), objects:)` without the name as a String: its bytes are compared in
    /// place against the few names the rule depends on. nil outside Go's functions.
    init?(go p: GoPclntab, at pc: UInt64) {
        guard let info = p.frameFacts(at: pc) else { return nil }
        let at = info.nameOffset, flags = info.flags
        self.init(
            goSPDelta: info.spDelta, flags: flags,
            callerExact: info.funcID != 0 && Self.nameIn(Self.injectedCalls, p, at),
            sigreturn: Self.nameIn(Self.sigreturns, p, at),
            root: flags.contains(.topFrame) && !Self.nameIn(Self.sigtramps, p, at),
            returnInR12: Self.nameIn(Self.returnsInR12, p, at))
    }

    /// A Go rule from what both Go initializers find: the SP delta (-1 for none), the function's flags and
    /// name tests.
    private init(goSPDelta sp: Int32, flags: GoFuncFlag, callerExact: Bool, sigreturn: Bool, root: Bool,
                 returnInR12: Bool) {
        kind = .go
        spDelta = sp
        if flags.contains(.spWrite) { go.insert(.spWrite) }
        if flags.contains(.asm) { go.insert(.asm) }
        if callerExact { go.insert(.callerExact) }
        if sigreturn { go.insert(.sigreturn) }
        if root { go.insert(.root) }
        if returnInR12 { go.insert(.returnInR12) }
        if go.isDisjoint(with: [.spWrite, .sigreturn]), spDelta >= 0 { go.insert(.runnable) }
        if spDelta >= 8, !go.contains(.asm) { go.insert(.savesBP) }
    }

    /// The UTF-8 of `DwarfUnwinder`'s name sets that `init(go:at:objects:)` compares (ASCII, none with a
    /// character another is canonically equivalent to, so bytes compare as the Strings do).
    static let injectedCalls = DwarfUnwinder.goInjectedCalls.map { Array($0.utf8) }
    static let sigreturns = DwarfUnwinder.goSigreturns.map { Array($0.utf8) }
    static let sigtramps = DwarfUnwinder.goSigtramps.map { Array($0.utf8) }
    static let returnsInR12 = DwarfUnwinder.goReturnInR12.map { Array($0.utf8) }

    private static func nameIn(_ names: [[UInt8]], _ p: GoPclntab, _ at: Int) -> Bool {
        names.contains { n in n.withUnsafeBufferPointer { p.nameIs(at: at, $0) } }
    }

    /// Calls `body` with the CFI row, without retaining it. Only for `.cfi` rules.
    @inline(__always) func withRow<T>(_ body: (CFIRule) -> T) -> T {
        object.unsafelyUnwrapped._withUnsafeGuaranteedRef { body(unsafeDowncast($0, to: CFIRule.self)) }
    }
}

/// Per (pid, PC, exactness): the frame's rule, stored in the slot, and once the fold has named the frame
/// its names (`appendUnwound`). Open addressing, linear probing, at most half full.
struct FlatRuleCache {
    struct Slot {
        var pc: UInt64 = 0
        /// pid << 1 | exact, with the top bit set: 0 marks an empty slot.
        var tag: UInt64 = 0
        var rule = FlatRule.none
        /// `start << 32 | count` in `pool`, or `unnamed`.
        var names = FlatRuleCache.unnamed
    }

    /// A slot whose frame the fold has not named yet.
    static var unnamed: UInt64 { .max }

    private var slots: [Slot]
    /// The name ids of named slots, back to back.
    private var pool: [UInt32] = []
    private var used = 0
    private var mask: Int

    /// `capacity`: a power of two.
    init(capacity: Int = 1 << 10) {
        slots = Array(repeating: Slot(), count: capacity)
        mask = capacity - 1
    }

    @inline(__always) static func tag(pid: Int32, exact: Bool) -> UInt64 {
        UInt64(UInt32(bitPattern: pid)) << 1 | (exact ? 1 : 0) | 1 << 63
    }

    /// One multiply and a fold of the high half into the low bits `mask` keeps (probed per unwound frame:
    /// `mix64`'s two rounds were about 20 instructions of a frame's ~100).
    @inline(__always) static func hash(_ pc: UInt64, _ tag: UInt64) -> UInt64 {
        hash(pc, tagProduct: tag &* tagFactor)
    }

    static var tagFactor: UInt64 { 0x2545_f491_4f6c_dd1d }

    /// `hash(pc, tag)` with `tag &* tagFactor` computed once per sample (`DwarfUnwinder.goRun`).
    @inline(__always) static func hash(_ pc: UInt64, tagProduct: UInt64) -> UInt64 {
        let h = (pc ^ tagProduct) &* 0x9e37_79b9_7f4a_7c15
        return h ^ (h >> 29)
    }

    /// Calls `body` with the slots' base and the mask (`withProbe`).
    @inline(__always) func withSlots<R>(_ body: (UnsafePointer<Slot>, Int) -> R) -> R {
        slots.withUnsafeBufferPointer { body($0.baseAddress.unsafelyUnwrapped, mask) }
    }

    @inline(__always) func find(_ pc: UInt64, tag: UInt64) -> Slot? {
        guard let i = index(pc, tag: tag) else { return nil }
        // `mask` keeps `index`'s answer in range.
        return slots.withUnsafeBufferPointer { $0[i] }
    }

    @inline(__always) private func index(_ pc: UInt64, tag: UInt64) -> Int? {
        slots.withUnsafeBufferPointer { s in
            var i = Int(truncatingIfNeeded: Self.hash(pc, tag)) & mask
            while true {
                let e = s[i]
                if e.tag == 0 { return nil }
                if e.pc == pc, e.tag == tag { return i }
                i = (i &+ 1) & mask
            }
        }
    }

    /// Records the names of a slot's frame (nothing when the key has no slot or is named already).
    mutating func setNames(_ pc: UInt64, tag: UInt64, _ ids: UnsafeBufferPointer<UInt32>) {
        guard let i = index(pc, tag: tag), slots[i].names == Self.unnamed, ids.count <= UInt32.max else { return }
        slots[i].names = UInt64(pool.count) << 32 | UInt64(ids.count)
        pool.append(contentsOf: ids)
    }

    /// Appends the names of a run `find` gave.
    @inline(__always) func appendNames(_ run: UInt64, to out: inout FrameScratch) {
        let start = Int(truncatingIfNeeded: run >> 32), n = Int(truncatingIfNeeded: run & 0xffff_ffff)
        pool.withUnsafeBufferPointer { p in
            for k in start..<start &+ n { out.append(p[k]) }
        }
    }

    /// The number of names of `count` runs `find` gave, nil when one of them is `unnamed`.
    @inline(__always) static func nameCount(_ runs: UnsafePointer<UInt64>, count: Int) -> Int? {
        var total = 0
        for i in 0..<count {
            let r = runs[i]
            if r == unnamed { return nil }
            total &+= Int(truncatingIfNeeded: r & 0xffff_ffff)
        }
        return total
    }

    /// Writes the names of `count` runs back to back to `out`, the last run first (root first, as the fold
    /// appends them); `out` has room for their `nameCount`.
    @inline(__always) func copyNames(_ runs: UnsafePointer<UInt64>, count: Int, to out: UnsafeMutablePointer<UInt32>) {
        pool.withUnsafeBufferPointer { p in
            var o = out
            var i = count &- 1
            while i >= 0 {
                let run = runs[i]
                let start = Int(truncatingIfNeeded: run >> 32), n = Int(truncatingIfNeeded: run & 0xffff_ffff)
                for k in 0..<n { o[k] = p[start &+ k] }
                o += n
                i &-= 1
            }
        }
    }

    /// Stores the rule of a key `find` did not have.
    mutating func insert(_ pc: UInt64, tag: UInt64, _ rule: FlatRule) {
        if (used + 1) * 2 > slots.count { grow() }
        place(Slot(pc: pc, tag: tag, rule: rule))
        used += 1
    }

    mutating func removeAll() {
        guard used > 0 else { return }
        for i in slots.indices { slots[i] = Slot() }
        pool.removeAll(keepingCapacity: true)
        used = 0
    }

    private mutating func place(_ e: Slot) {
        var i = Int(truncatingIfNeeded: Self.hash(e.pc, e.tag)) & mask
        while slots[i].tag != 0 { i = (i &+ 1) & mask }
        slots[i] = e
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for e in old where e.tag != 0 { place(e) }
    }
}
