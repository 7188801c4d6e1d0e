// Frame-pointer repair: perf's `-g` walk reads the return address at [BP+8]. When the sampled function L
// has not set BP to its own frame (a frameless leaf such as runtime.memmove; a prologue before
// `MOVQ SP, BP` completes; an epilogue after `POPQ BP`), BP is still its caller C's, so perf's next entry R
// is C's return address and C is missing. Whether BP was L's comes from the pclntab (pcsp > 0, a
// `PUSHQ BP; MOVQ SP, BP` prologue, not at the MOVQ itself); C comes from the CALL that ends at R:
//   - `CALL rel32` to C (through ABI-wrapper / stub tail jumps): C is inserted, at the return address of
//     its one direct call to L when it has exactly one (inlined frames and line exact), else at its entry;
//   - an indirect CALL: a `[caller of L]` placeholder is inserted, rather than charging R's function;
//   - the call targets L itself (or a stub jumping to L), or the middle of L (duffzero/duffcopy, whose call
//     site builds a frame): nothing is missing; anything else (no CALL before R, non-Go code, TOPFRAME
//     functions, SPWRITE functions past their first instruction, morestack): the chain stays as recorded.
// See docs/stack-truth.md for the rules and how they are checked against the machine code.

import BinaryIO
import PerfData
import Symbolize

/// The repair's answer for one (leaf, next entry) pair, as stored in `StackTruthState.repairs`.
enum Repair: Equatable {
    case none
    /// Insert this process address (a return address in the caller, or its entry) after the leaf.
    case callSite(UInt64)
    /// Insert the placeholder whose name id this is.
    case placeholder(UInt32)

    /// (kind, value) as `RepairCache` stores it.
    var packed: (UInt32, UInt64) {
        switch self {
        case .none: return (0, 0)
        case .callSite(let a): return (1, a)
        case .placeholder(let id): return (2, UInt64(id))
        }
    }

    @inline(__always) init(kind: UInt32, value: UInt64) {
        switch kind {
        case 1: self = .callSite(value)
        case 2: self = .placeholder(UInt32(truncatingIfNeeded: value))
        default: self = .none
        }
    }
}

extension PerfCollapser {
    /// The caller the sample's frame-pointer walk skipped, to insert after its first user entry (counted in
    /// `inserted`/`placeholders`); nil when nothing is missing or nothing sound can be said.
    mutating func findRepair(_ s: Sample, model: ProcessModel) -> ChainInsertion? {
        let chain = s.callchain
        // The first user-mode entry: the sampled user PC, or where user code was when the kernel was entered.
        var mode = s.cpuMode
        var leaf = -1
        for i in 0..<chain.count {
            let v = chain[i]
            if CallchainContext.isMarker(v) {
                mode = CallchainContext.mode(of: v)
                continue
            }
            if mode == .user {
                leaf = i
                break
            }
        }
        guard leaf >= 0, leaf + 1 < chain.count else { return nil }
        let l = chain[leaf], r = chain[leaf + 1]
        guard !CallchainContext.isMarker(r), r != 0, l < 1 << 63, r < 1 << 63 else { return nil }
        switch cachedRepair(pid: s.pid, leaf: l, next: r, model: model) {
        case .none: return nil
        case .callSite(let a):
            stackTruth.inserted &+= 1
            return ChainInsertion(after: leaf, value: a, named: false)
        case .placeholder(let id):
            stackTruth.inserted &+= 1
            stackTruth.placeholders &+= 1
            return ChainInsertion(after: leaf, value: UInt64(id), named: true)
        }
    }

    /// The fold's names for a repaired caller (`appendChain`): a placeholder's name id, or the names of the
    /// user address, not exact (after the leaf: looked up as a return address, as the written chain's is).
    @inline(__always)
    mutating func appendInserted(_ ins: ChainInsertion, pid: Int32, model: ProcessModel, to scratch: inout FrameScratch) {
        if ins.named {
            let id = UInt32(truncatingIfNeeded: ins.value)
            scratch.append(id)
            if options.recordLocations { noteNamedLocation(id) }
        } else {
            appendNames(for: ins.value, mode: .user, exact: false, pid: pid, model: model, to: &scratch)
        }
    }

    @inline(__always)
    mutating func cachedRepair(pid: Int32, leaf l: UInt64, next r: UInt64, model: ProcessModel) -> Repair {
        // One probe for a pair seen before: most samples. The rest is out of line, so that this path
        // does not pay the deciding code's stack frame and saved registers.
        if let known = stackTruth.repairs.find(pid: pid, leaf: l, next: r) { return known }
        return decideAndCache(pid: pid, leaf: l, next: r, model: model)
    }

    /// The repair for a pair not seen before, decided and cached.
    @inline(never)
    mutating func decideAndCache(pid: Int32, leaf l: UInt64, next r: UInt64, model: ProcessModel) -> Repair {
        var repair = Repair.none
        if let leaf = cachedLeafMaySkipCaller(pid: pid, leaf: l, model: model) {
            repair = decideRepair(pid: pid, leaf: leaf, next: r, model: model)
        }
        stackTruth.repairs.insert(pid: pid, leaf: l, next: r, repair)
        return repair
    }

    /// `leafMaySkipCaller`, with whether it is nil cached per leaf PC: most leaves had their frame pointer
    /// set, and are then decided once, whatever the next entry.
    mutating func cachedLeafMaySkipCaller(pid: Int32, leaf l: UInt64, model: ProcessModel) -> (BinaryImage, GoFrameInfo)? {
        let tag = UInt64(UInt32(bitPattern: pid)) | 1 << 63
        let known = stackTruth.leaves.find(l, tag: tag).map { stackTruth.leaves.pool[$0.0] }
        if known == 0 { return nil }
        let leaf = leafMaySkipCaller(pid: pid, leaf: l, model: model)
        if known == nil { stackTruth.leaves.insert(l, tag: tag, one: leaf != nil ? 1 : 0) }
        return leaf
    }

    /// The image, its pclntab and the file virtual address of a user address.
    mutating func goCode(pid: Int32, _ a: UInt64, model: ProcessModel) -> (BinaryImage, GoPclntab, UInt64, Mapping)? {
        guard let m = model.mapping(pid: pid, address: a, mode: .user), !m.isKernel, let img = mappedImage(m),
              let p = img.pclntab, let v = img.elf.virtualAddress(ofFileOffset: m.fileOffset(of: a)) else { return nil }
        return (img, p, v, m)
    }

    /// The leaf's image and frame facts when the frame-pointer walk can have skipped its caller: Go code
    /// whose frame pointer was not its own at `l`; nil otherwise (nothing to repair whatever comes next).
    mutating func leafMaySkipCaller(pid: Int32, leaf l: UInt64, model: ProcessModel) -> (BinaryImage, GoFrameInfo)? {
        guard let (imgL, pL, vL, _) = goCode(pid: pid, l, model: model), let leaf = pL.frameInfo(at: vL, named: false) else { return nil }
        // The runtime's own unwinder stops or switches stacks at these: invent nothing there, except at an
        // SPWRITE function's first instruction (systemstack+0, mcall+0), before it wrote SP or BP: there it
        // is a frameless leaf like any other, called by the function BP's frame belongs to.
        if leaf.flags.contains(.topFrame) { return nil }
        if leaf.flags.contains(.spWrite), vL != leaf.entry { return nil }
        if Self.ownsFramePointer(imgL.elf, leaf, pc: vL) { return nil }
        // morestack is called from a prologue: its caller had not pushed BP either, so two frames are missing
        // and the machine code names only one (docs/stack-truth.md, "SPWRITE leaves").
        if Self.calledFromPrologue(pL, leaf) { return nil }
        return (imgL, leaf)
    }

    /// The repair for a leaf that can have hidden its caller (`leafMaySkipCaller`'s answer) and the next entry.
    mutating func decideRepair(pid: Int32, leaf: (BinaryImage, GoFrameInfo), next r: UInt64, model: ProcessModel) -> Repair {
        let (imgL, leaf) = leaf
        guard let (imgR, pR, vR, mR) = goCode(pid: pid, r, model: model),
              let call = MachineCode.callBefore(imgR.elf, returnAddress: vR) else { return .none }
        guard case .direct(let target) = call else { return .placeholder(placeholderName(imgL, leaf)) }
        guard let caller = directCaller(pR, imgR.elf, target: target, leaf: leaf, sameBinary: imgL === imgR) else { return .none }
        // Where in the caller: the return address of its one direct call to the leaf, else its entry.
        let sites = callSites(imgR, caller: caller, callee: leaf.entry, calleeBinary: imgL === imgR)
        let v = sites.count == 1 ? sites[0] : caller.entry
        let a = r &- vR &+ v
        guard mR.contains(a) else { return .none }
        return .callSite(a)
    }

    /// Whether the function is entered from a function's prologue (`CALL runtime.morestack_noctxt`, which
    /// jumps to `runtime.morestack`), before that function set up its frame.
    static func calledFromPrologue(_ p: GoPclntab, _ f: GoFrameInfo) -> Bool {
        guard let name = p.frameInfo(at: f.entry)?.name else { return false }
        return name == "runtime.morestack" || name == "runtime.morestack_noctxt" || name == "runtime.morestack.abi0"
    }

    /// Whether BP held the function's own frame at `pc`: it pushed something (pcsp > 0), it sets BP the Go
    /// way, and `pc` is not the `MOVQ SP, BP` itself. At `POPQ BP` (pcsp 8) BP is still its own.
    static func ownsFramePointer(_ elf: ELFFile, _ f: GoFrameInfo, pc: UInt64) -> Bool {
        guard let sp = f.spDelta, sp > 0 else { return false }
        return MachineCode.pushesFramePointer(elf, f) && !MachineCode.isMovSPtoBP(elf, pc)
    }

    /// The function the call before R entered, C, following stub tail jumps; nil when that call reached
    /// the leaf itself (nothing missing: a stub in between, or duffzero/duffcopy entered mid-way with the
    /// frame its call site built) or C cannot have made a call.
    func directCaller(_ p: GoPclntab, _ elf: ELFFile, target: UInt64, leaf: GoFrameInfo, sameBinary: Bool) -> GoFrameInfo? {
        guard var f = p.frameInfo(at: target, named: false) else { return nil }
        if sameBinary, f.entry == leaf.entry {
            // A framed function at its prologue or epilogue, called by itself: the caller is another level of it.
            return target == leaf.entry && (p.maxSPDelta(at: target) ?? 0) > 0 ? f : nil
        }
        for _ in 0..<3 {
            guard let j = MachineCode.tailJump(elf, f), let g = p.frameInfo(at: j, named: false) else { break }
            if sameBinary, g.entry == leaf.entry { return nil }
            f = g
        }
        // A Go function that never pushes anything calls nothing: R is not what it seems.
        if !f.flags.contains(.asm), (p.maxSPDelta(at: f.entry) ?? 0) == 0 { return nil }
        return f
    }

    /// Return addresses of the caller's direct calls to `callee` (or to a stub that tail-jumps to it).
    mutating func callSites(_ img: BinaryImage, caller: GoFrameInfo, callee: UInt64, calleeBinary same: Bool) -> [UInt64] {
        guard same, let p = img.pclntab else { return [] }
        let key = CallSiteKey(binary: ObjectIdentifier(img), caller: caller.entry, callee: callee)
        if let known = stackTruth.callSites[key] { return known }
        let elf = img.elf
        let binary = ObjectIdentifier(img)
        let found = MachineCode.directCalls(elf, from: caller.entry, to: caller.end) { t in
            t == callee || (callee != 0 && stubTarget(binary, p, elf, t) == callee)
        }
        stackTruth.callSites[key] = found
        return found
    }

    /// The function a stub at `t` tail-jumps to, 0 when `t` is not a function entry ending in a jump; cached
    /// per binary and target (the same helpers, `morestack_noctxt` first, are called from every caller).
    mutating func stubTarget(_ binary: ObjectIdentifier, _ p: GoPclntab, _ elf: ELFFile, _ t: UInt64) -> UInt64 {
        // An integer map by target (Dictionary's SipHash of a three-word key cost more than the lookup
        // saved), holding the binary too: a target met in another binary is decided again.
        let k = Int64(bitPattern: t)
        if let known = stackTruth.stubTargets[k], known.binary == binary { return known.target }
        var target: UInt64 = 0
        // Only the stub's bounds are needed (not its SP delta): one functab search per call target.
        if let (entry, end, _) = p.funcBounds(t), entry == t, let j = MachineCode.tailJump(elf, entry: entry, end: end) {
            target = p.functionEntry(j) ?? 0
        }
        stackTruth.stubTargets[k] = (binary, target)
        return target
    }

    /// `leaf` was looked up unnamed: its name is read here, once per decided pair.
    mutating func placeholderName(_ img: BinaryImage, _ leaf: GoFrameInfo) -> UInt32 {
        let name = img.pclntab?.frameInfo(at: leaf.entry)?.name ?? "?"
        if let id = stackTruth.placeholderNames[name] { return id }
        let id = intern("[caller of \(options.displayName(name))]")
        stackTruth.placeholderNames[name] = id
        return id
    }
}
