import CElfUtils
import BinaryIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// DWARF debug info read through libdw into sorted Swift arrays: compile units and their address ranges
/// (all at once), and per compile unit, on the first address it holds, its functions and inlined
/// subroutines with their address ranges, and (on first use) a copy of its line table. Lookups are
/// binary searches in those arrays and make no libdw call; libdw costs tens of µs per address lookup.
/// This file and DwarfLines.swift are the only ones of the module that call libdw or libelf.
///
/// Answers follow llvm-symbolizer `--inlines`: innermost frame first, with the line of the address; each
/// outer frame has the call file and line of the inlined subroutine it holds. CUs are found from their own
/// ranges, not `.debug_aranges`, which Go does not emit. Not thread-safe: one owner, like `BinaryImage`.
public final class DwarfIndex {
    struct AddressRange { var lo: UInt64; var hi: UInt64; var index: Int32 }

    struct Function {
        var name: Int32  // into `strings`; -1 when the DIE has none
        var cu: Int32
        var entry: UInt64
        var startLine: Int32  // DW_AT_decl_line, 0 when absent
        /// Its inlined subroutines in `inlined`, sorted by (depth, lo).
        var inlinedStart: Int32
        var inlinedEnd: Int32
        /// Its DIE, whose name, line and inlined subroutines are read on the first lookup it answers
        /// (`readBody`): a unit is indexed for one address, and libc's hold functions of 20,000 DIEs.
        var die: Dwarf_Die
        var bodyRead = false
    }

    /// One address range of one inlined subroutine (a DIE with several ranges gives several entries).
    struct Inlined {
        var lo: UInt64
        var hi: UInt64
        var depth: Int32  // 1 directly under the function (lexical blocks do not count)
        /// The enclosing inlined subroutine: while building, its DIE number in this function; then an index
        /// into `inlined`. -1 for the function itself.
        var parent: Int32
        var die: Int32  // DIE number in this function (entries of one DIE share it)
        var name: Int32
        var callFile: Int32  // DW_AT_call_file: a file number of the unit's line table (named when printed)
        var callLine: Int32
        var startLine: Int32  // the inlined function's DW_AT_decl_line
    }

    struct LineRow { var address: UInt64; var file: Int32; var line: Int32 }  // line -1: end of sequence

    struct Unit {
        var die: Dwarf_Die
        /// The unit DIE's offset in `.debug_info`; `die` is read from it on first use when the unit list
        /// came from `UnitListFile` (reading every unit's DIE costs 15,000 instructions a unit).
        var offset: UInt64 = 0
        var dieRead = true
        var lines: [LineRow]?
        var files: [Int32]?  // the line table's file names (`fileTable`), read on the first call file printed
        /// DW_AT_comp_dir and the line table's directory 0, to make file names what llvm-symbolizer prints.
        var compDir: String?
        var dir0: String?
        var dirsRead = false
    }

    public let path: String
    private var fd: Int32 = -1
    private var dwarf: OpaquePointer?
    private var listed = false
    /// Per unit, its function ranges sorted by (lo, hi); nil until the unit is indexed.
    private var unitFunctionRanges: [[AddressRange]?] = []
    /// Units without address ranges: their functions may lie anywhere, so every lookup searches them.
    private var unranged: [Int32] = []
    private var unrangedRanges: [AddressRange]?
    var units: [Unit] = []
    private var unitRanges: [AddressRange] = []
    private var functions: [Function] = []
    private var functionRanges: [AddressRange] = []  // the unit being indexed
    private var inlined: [Inlined] = []
    var strings: [String] = []
    var stringIDs: [String: Int32] = [:]
    var cStringIDs: [UnsafeRawPointer: Int32] = [:]  // names, while building
    var pathIDs: [UnsafeRawPointer: Int32] = [:]  // file names (libdw's, kept while the handle lives)
    /// Where the unit list is kept between runs (beside an inflated copy, `DebugSectionCache`), and what
    /// binds it to that copy; nil: listed from the DWARF on every run.
    var unitListFile: String?
    var unitListKey: [UInt8] = []
    private(set) var unitListWasRead = false

    /// Opens the DWARF of the ELF file at `path`; nil when it has none (or libdw cannot read it).
    public convenience init?(path: String) {
        self.init(path: path, owning: open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK))
    }

    /// Reads the DWARF of `path` from `fd` (owned from here on): an inflated copy of it
    /// (`DebugSectionCache`), whose sections libdw then reads as they are.
    init?(path: String, owning descriptor: Int32) {
        self.path = path
        _ = elf_version(UInt32(EV_CURRENT))
        fd = descriptor
        guard fd >= 0 else { return nil }
        // The path was an ELF file when read; refuse it if it has since become a device or FIFO.
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            fd = -1
            return nil
        }
        dwarf = dwarf_begin(fd, DWARF_C_READ)
        guard dwarf != nil else {
            close(fd)
            fd = -1
            return nil
        }
    }

    deinit {
        if let d = dwarf { dwarf_end(d) }
        if fd >= 0 { close(fd) }
    }

    /// The open libdw handle (for `CFITable`'s `.debug_frame`, read from the same decompressed sections).
    var handle: OpaquePointer? { dwarf }

    public var functionCount: Int { buildIfNeeded(); return functions.count }
    public var inlinedCount: Int {
        buildIfNeeded()
        for f in functions.indices { readBody(Int32(f)) }
        return inlined.count
    }
    public var unitCount: Int { buildIfNeeded(); return units.count }
    /// Units listed (headers and ranges read) and units indexed so far, without indexing more.
    var listedUnitCount: Int { listUnitsIfNeeded(); return units.count }
    var unrangedUnitCount: Int { listUnitsIfNeeded(); return unranged.count }
    /// Units whose line program libdw has decoded (for its rows, or for its file names).
    var decodedLineTableCount: Int { units.reduce(0) { $0 + ($1.lines != nil || $1.files != nil ? 1 : 0) } }
    /// Functions whose name, line and inlined subroutines have been read (`readBody`).
    var bodiesRead: Int { functions.reduce(0) { $0 + ($1.bodyRead ? 1 : 0) } }
    /// Units without ranges walked so far: none when the unit list file says they hold no function.
    private(set) var unrangedUnitsWalked = 0
    var indexedUnitCount: Int {
        unitFunctionRanges.reduce(0) { $0 + ($1 == nil ? 0 : 1) } - (unrangedRanges == nil ? unranged.count : 0)
    }

    // MARK: building the index

    /// Indexes every compile unit (the counts above, and tests comparing against a whole-file reading).
    func buildIfNeeded() {
        listUnitsIfNeeded()
        _ = unrangedFunctionRanges()
        for u in units.indices { index(Int32(u)) }
    }

    /// Reads the compile units' headers and address ranges, not their DIEs: those are indexed per unit on
    /// the first address it holds (`units(holding:)`), as gimli's addr2line does. A fold of a Go
    /// program hits a few dozen of libc's 4,000 units; indexing them all cost more than the unwinding.
    private func listUnitsIfNeeded() {
        guard !listed else { return }
        listed = true
        guard let dwarf else { return }
        if let f = unitListFile, let list = UnitListFile.read(f, key: unitListKey) {
            useUnitList(list)
            unitListWasRead = true
            return
        }
        defer { if let f = unitListFile { UnitListFile.write(unitList(), to: f, key: unitListKey) } }
        var cu: OpaquePointer? = nil
        var next: OpaquePointer? = nil
        var version: Dwarf_Half = 0
        var unitType: UInt8 = 0
        var cuDie = Dwarf_Die()
        var guardCount = 0
        while dwarf_get_units(dwarf, cu, &next, &version, &unitType, &cuDie, nil) == 0, guardCount < 1_000_000 {
            guardCount += 1
            cu = next
            // Compile and partial units hold code; type and skeleton units (split DWARF) are not read.
            guard unitType == UInt8(DW_UT_compile) || unitType == UInt8(DW_UT_partial) else { continue }
            let u = Int32(units.count)
            units.append(Unit(die: cuDie, offset: dwarf_dieoffset(&cuDie), lines: nil))
            var ranged = false
            forEachRange(&cuDie) { lo, hi in
                ranged = true
                unitRanges.append(AddressRange(lo: lo, hi: hi, index: u))
            }
            if !ranged { unranged.append(u) }
        }
        unitRanges.sort { ($0.lo, $0.hi) < ($1.lo, $1.hi) }
        unitFunctionRanges = [[AddressRange]?](repeating: nil, count: units.count)
        for u in unranged { unitFunctionRanges[Int(u)] = [] }  // read with `unrangedFunctionRanges` only
    }

    /// The units and their ranges as listed (the ranges in listing order, before sorting).
    private func unitList() -> UnitListFile.List {
        var ranges = [[(UInt64, UInt64)]](repeating: [], count: units.count)
        for r in unitRanges { ranges[Int(r.index)].append((r.lo, r.hi)) }
        return UnitListFile.List(offsets: units.map(\.offset), ranges: ranges,
                                 unrangedHoldNoFunction: unrangedRanges?.isEmpty == true)
    }

    private func useUnitList(_ list: UnitListFile.List) {
        for (u, off) in list.offsets.enumerated() {
            units.append(Unit(die: Dwarf_Die(), offset: off, dieRead: false, lines: nil))
            for (lo, hi) in list.ranges[u] { unitRanges.append(AddressRange(lo: lo, hi: hi, index: Int32(u))) }
            if list.ranges[u].isEmpty { unranged.append(Int32(u)) }
        }
        unitRanges.sort { ($0.lo, $0.hi) < ($1.lo, $1.hi) }
        unitFunctionRanges = [[AddressRange]?](repeating: nil, count: units.count)
        for u in unranged { unitFunctionRanges[Int(u)] = [] }
        if list.unrangedHoldNoFunction { unrangedRanges = [] }
    }

    /// Reads unit `u`'s DIE from its offset when the list came from a file (an offset that names no DIE
    /// leaves an empty unit: no functions, no lines).
    func readDie(_ u: Int32) {
        guard Int(u) < units.count, !units[Int(u)].dieRead else { return }
        units[Int(u)].dieRead = true
        if dwarf_offdie(dwarf, Dwarf_Off(units[Int(u)].offset), &units[Int(u)].die) == nil {
            units[Int(u)].die = Dwarf_Die()
        }
    }

    /// The units whose ranges hold `pc` (the ranges `find` would scan), indexed. In consistent DWARF a
    /// unit's ranges cover its functions, so these and the units without ranges hold every function an
    /// index of the whole file finds at `pc`.
    private func units(holding pc: UInt64) -> [Int32] {
        var out: [Int32] = []
        var i = DwarfIndex.lastStart(unitRanges[...], pc) { $0.lo }
        var scanned = 0
        while i >= 0, scanned < 32 {
            let u = unitRanges[i].index
            if pc < unitRanges[i].hi, !out.contains(u) {
                index(u)
                out.append(u)
            }
            i -= 1
            scanned += 1
        }
        return out
    }

    /// Indexes unit `u`'s functions, once: its function ranges sorted by (lo, hi), ties in file order.
    private func index(_ u: Int32) {
        guard Int(u) < unitFunctionRanges.count, unitFunctionRanges[Int(u)] == nil else { return }
        walk(u)
        functionRanges.sort { ($0.lo, $0.hi) < ($1.lo, $1.hi) }
        unitFunctionRanges[Int(u)] = functionRanges
        functionRanges = []
    }

    /// Adds the functions of unit `u` to `functions` and their ranges to `functionRanges`.
    private func walk(_ u: Int32) {
        readDie(u)
        guard units[Int(u)].die.cu != nil else { return }
        var die = units[Int(u)].die  // a copy: the walk appends to the index while it reads the DIE
        walkChildren(&die, unit: u, depth: 0)
        cStringIDs = [:]
    }

    /// The units without address ranges (functions anywhere), indexed together on the first lookup: one
    /// array sorted by (lo, hi), ties in file order.
    private func unrangedFunctionRanges() -> [AddressRange] {
        if let r = unrangedRanges { return r }
        for u in unranged { walk(u) }
        unrangedUnitsWalked += unranged.count
        functionRanges.sort { ($0.lo, $0.hi) < ($1.lo, $1.hi) }
        unrangedRanges = functionRanges
        functionRanges = []
        // Kept in the list beside the copy, so that later runs need not walk them to find nothing.
        if unrangedRanges?.isEmpty == true, !unranged.isEmpty, let f = unitListFile {
            UnitListFile.write(unitList(), to: f, key: unitListKey)
        }
        return unrangedRanges ?? []
    }

    /// The innermost function range holding `pc`: per unit as `find` picks it, then across units the one
    /// a single array of every unit's ranges, sorted by (lo, hi) in file order, would have given.
    private func findFunction(_ pc: UInt64) -> AddressRange? {
        listUnitsIfNeeded()
        var best = DwarfIndex.find(unrangedFunctionRanges(), pc)
        for u in units(holding: pc) {
            guard let r = unitFunctionRanges[Int(u)].flatMap({ DwarfIndex.find($0, pc) }) else { continue }
            if let b = best, (r.lo, r.hi, u) < (b.lo, b.hi, functions[Int(b.index)].cu) { continue }
            best = r
        }
        return best
    }

    /// The address ranges of a DIE (DW_AT_ranges or low/high pc); empty and dead ranges dropped.
    /// Linkers leave discarded functions at 0 (or tombstones near the top), which would overlap real code.
    private func forEachRange(_ die: inout Dwarf_Die, _ body: (UInt64, UInt64) -> Void) {
        var base: Dwarf_Addr = 0, lo: Dwarf_Addr = 0, hi: Dwarf_Addr = 0
        var off: Int = 0
        var n = 0
        while true {
            off = dwarf_ranges(&die, off, &base, &lo, &hi)
            guard off > 0, n < 100_000 else { return }
            n += 1
            if lo != 0, lo < hi, lo < UInt64.max - 1 { body(lo, hi) }
        }
    }

    /// Moves `die` to its next sibling; false at the last one (or on an error).
    private func nextSibling(_ die: inout Dwarf_Die) -> Bool {
        var current = die
        return dwarf_siblingof(&current, &die) == 0
    }

    private func walkChildren(_ parent: inout Dwarf_Die, unit: Int32, depth: Int) {
        guard depth < 64 else { return }
        var child = Dwarf_Die()
        guard dwarf_child(&parent, &child) == 0 else { return }
        var count = 0
        repeat {
            count += 1
            switch Int(dwarf_tag(&child)) {
            case DW_TAG_subprogram:
                addFunction(&child, unit: unit)
            case DW_TAG_namespace, DW_TAG_lexical_block, DW_TAG_module:
                walkChildren(&child, unit: unit, depth: depth + 1)
            default:
                break
            }
        } while nextSibling(&child) && count < 10_000_000
    }

    /// `nesting`: how many subprograms enclose this one; past `maxNesting` (a crafted file nests 100,000)
    /// the walk stops rather than overflow the stack.
    private func addFunction(_ die: inout Dwarf_Die, unit: Int32, nesting: Int = 0) {
        var ranges: [(UInt64, UInt64)] = []
        forEachRange(&die) { ranges.append(($0, $1)) }
        let f = Int32(functions.count)
        if !ranges.isEmpty {
            var entry = ranges.map(\.0).min()!
            var low: Dwarf_Addr = 0
            if dwarf_lowpc(&die, &low) == 0, low != 0 { entry = low }
            functions.append(
                Function(name: -1, cu: unit, entry: entry, startLine: 0, inlinedStart: 0, inlinedEnd: 0, die: die))
            for (lo, hi) in ranges { functionRanges.append(AddressRange(lo: lo, hi: hi, index: f)) }
        }
        // Nested subprograms (C nested functions, some languages' closures) are functions of their own.
        guard nesting < Self.maxNesting else { return }
        var child = Dwarf_Die()
        guard dwarf_child(&die, &child) == 0 else { return }
        var count = 0
        repeat {
            count += 1
            if Int(dwarf_tag(&child)) == DW_TAG_subprogram {
                addFunction(&child, unit: unit, nesting: nesting + 1)
            }
        } while nextSibling(&child) && count < 10_000_000
    }

    static let maxNesting = 128

    /// Reads function `f`'s name, line and inlined subroutines from its DIE, once.
    func readBody(_ f: Int32) {
        guard Int(f) < functions.count, !functions[Int(f)].bodyRead else { return }
        functions[Int(f)].bodyRead = true
        var die = functions[Int(f)].die
        let unit = functions[Int(f)].cu
        let start = inlined.count
        var dieCount: Int32 = 0
        walkInlined(&die, unit: unit, depth: 1, parent: -1, dieCount: &dieCount, level: 0)
        // Sorted by (depth, lo): each depth is a run of disjoint ranges, searchable by address.
        inlined[start...].sort { ($0.depth, $0.lo) < ($1.depth, $1.lo) }
        // Parents as indices into `inlined` (the first entry of the parent DIE) from here on.
        var first = [Int32](repeating: -1, count: Int(dieCount))
        for j in start..<inlined.count where first[Int(inlined[j].die)] < 0 {
            first[Int(inlined[j].die)] = Int32(j)
        }
        for j in start..<inlined.count where inlined[j].parent >= 0 {
            inlined[j].parent = first[Int(inlined[j].parent)]
        }
        functions[Int(f)].name = functionName(&die)
        functions[Int(f)].startLine = declLine(&die)
        functions[Int(f)].inlinedStart = Int32(start)
        functions[Int(f)].inlinedEnd = Int32(inlined.count)
        cStringIDs.removeAll(keepingCapacity: true)
    }

    private func walkInlined(
        _ parent: inout Dwarf_Die, unit: Int32, depth: Int32, parent parentID: Int32, dieCount: inout Int32, level: Int
    ) {
        guard level < 256 else { return }
        var child = Dwarf_Die()
        guard dwarf_child(&parent, &child) == 0 else { return }
        var count = 0
        repeat {
            count += 1
            switch Int(dwarf_tag(&child)) {
            case DW_TAG_inlined_subroutine:
                let id = dieCount
                dieCount += 1
                let name = functionName(&child)
                let startLine = declLine(&child)
                var callFile: Int32 = -1
                var callLine: Int32 = 0
                var attr = Dwarf_Attribute()
                var v: Dwarf_Word = 0
                // The number only: libdw names files by decoding the unit's whole line program.
                if dwarf_attr(&child, UInt32(DW_AT_call_file), &attr) != nil, dwarf_formudata(&attr, &v) == 0,
                    v < 1_000_000
                {
                    callFile = Int32(v)
                }
                if dwarf_attr(&child, UInt32(DW_AT_call_line), &attr) != nil, dwarf_formudata(&attr, &v) == 0 {
                    callLine = Int32(truncatingIfNeeded: v)
                }
                forEachRange(&child) { lo, hi in
                    inlined.append(Inlined(lo: lo, hi: hi, depth: depth, parent: parentID, die: id, name: name,
                                           callFile: callFile, callLine: callLine, startLine: startLine))
                }
                walkInlined(&child, unit: unit, depth: depth + 1, parent: id, dieCount: &dieCount, level: level + 1)
            case DW_TAG_lexical_block:
                walkInlined(&child, unit: unit, depth: depth, parent: parentID, dieCount: &dieCount, level: level + 1)
            default:
                break
            }
        } while nextSibling(&child) && count < 10_000_000
    }

    /// DW_AT_decl_line, through DW_AT_abstract_origin and DW_AT_specification as llvm-symbolizer's
    /// StartLine follows them (libdw's dwarf_decl_line does); 0 when absent.
    private func declLine(_ die: inout Dwarf_Die) -> Int32 {
        var line: Int32 = 0
        return dwarf_decl_line(&die, &line) == 0 ? max(0, line) : 0
    }

    /// What llvm-symbolizer prints with its default `--functions=linkage`: the linkage name when there is one,
    /// else DW_AT_name, both through abstract_origin/specification. Mangled C++ names (`_Z…`) are not
    /// demangled here: DW_AT_name is used for them instead.
    private func functionName(_ die: inout Dwarf_Die) -> Int32 {
        var attr = Dwarf_Attribute()
        for at in [DW_AT_linkage_name, DW_AT_MIPS_linkage_name] {
            if dwarf_attr_integrate(&die, UInt32(at), &attr) != nil, let s = dwarf_formstring(&attr), s[0] != 0,
               !(s[0] == 0x5f && s[1] == 0x5a) {
                return intern(s)
            }
        }
        if dwarf_attr_integrate(&die, UInt32(DW_AT_name), &attr) != nil, let s = dwarf_formstring(&attr) {
            return intern(s)
        }
        return -1
    }

    // MARK: lookups

    /// Index of the last element with `key(e) <= k` in `a`, sorted by `key` (`a.startIndex - 1` if none).
    @inline(__always) static func lastStart<T>(_ a: ArraySlice<T>, _ k: UInt64, _ key: (T) -> UInt64) -> Int {
        a.partitionPoint { key($0) <= k } - 1
    }

    /// The innermost range holding `pc` among ranges sorted by `lo` (nested ranges: the one starting last).
    static func find(_ ranges: [AddressRange], _ pc: UInt64) -> AddressRange? {
        var i = lastStart(ranges[...], pc) { $0.lo }
        var scanned = 0
        while i >= 0, scanned < 32 {
            if pc < ranges[i].hi { return ranges[i] }
            i -= 1
            scanned += 1
        }
        return nil
    }

    /// (file, line) of `pc` in the CU's line table, as llvm-symbolizer finds it: the last row at or
    /// before `pc` in the sequence holding it; nil past an end of sequence.
    func line(_ unit: Int32, _ pc: UInt64) -> (file: String, line: Int)? {
        let rows = lines(unit)
        let i = DwarfIndex.lastStart(rows[...], pc) { $0.address }
        guard i >= 0, rows[i].line >= 0 else { return nil }
        let f = rows[i].file
        return (f >= 0 && Int(f) < strings.count ? strings[Int(f)] : "??", Int(rows[i].line))
    }

    /// Frames at `pc`, innermost first. When no subprogram holds `pc` but a line row does, one frame with
    /// an empty function name (the caller fills it from the symbol table, as llvm-symbolizer does).
    /// Empty when no CU holds `pc`. Without `lines`: no file or line ("", 0), and no line table decoded
    /// unless no subprogram holds `pc` (whether a row does then decides between that frame and none).
    public func frames(at pc: UInt64, lines: Bool = true) -> [SourceFrame] {
        guard let fr = findFunction(pc) else {
            guard let u = DwarfIndex.find(unitRanges, pc), let (file, line) = line(u.index, pc) else { return [] }
            return [SourceFrame(function: "", file: lines ? file : "", line: lines ? line : 0, isInlined: false)]
        }
        readBody(fr.index)
        let fn = functions[Int(fr.index)]
        let (file, line) = lines ? line(fn.cu, pc) ?? ("??", 0) : ("", 0)
        // The deepest inlined subroutine holding pc: one binary search per depth.
        var deepest = -1
        var s = Int(fn.inlinedStart)
        let end = Int(fn.inlinedEnd)
        while s < end {
            let depth = inlined[s].depth
            // The end of this depth's run.
            let e = DwarfIndex.lastStart(inlined[s..<end], UInt64(depth)) { UInt64($0.depth) } + 1
            let i = DwarfIndex.lastStart(inlined[s..<e], pc) { $0.lo }
            if i >= s, pc < inlined[i].hi { deepest = i }
            s = e
        }
        var out: [SourceFrame] = []
        var curFile = file, curLine = line
        var i = deepest
        var steps = 0
        while i >= 0, steps < 256 {
            steps += 1
            let e = inlined[i]
            out.append(
                SourceFrame(
                    function: name(e.name), file: curFile, line: curLine, isInlined: true, startLine: Int(e.startLine)))
            curFile = lines ? callFileName(fn.cu, e.callFile) : ""
            curLine = lines ? Int(e.callLine) : 0
            i = Int(e.parent)  // any entry of the parent DIE: its ranges share name and call site
        }
        out.append(SourceFrame(function: name(fn.name), file: curFile, line: curLine, isInlined: false,
                               offset: pc >= fn.entry ? pc - fn.entry : pc - fr.lo, startLine: Int(fn.startLine)))
        return out
    }

    /// Entry address of the function holding `pc`.
    public func functionEntry(_ pc: UInt64) -> UInt64? {
        return findFunction(pc).map { functions[Int($0.index)].entry }
    }

    private func name(_ id: Int32) -> String { id >= 0 && Int(id) < strings.count ? strings[Int(id)] : "" }
}
