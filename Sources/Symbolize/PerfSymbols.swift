// The symbols perf names ELF code with (symbol-elf.c's dso__load_sym_internal), for `--elf-names`,
// which must print exactly what perf script prints.
import BinaryIO

extension ELFFile {
    /// One symbol as perf keeps it: `end` is perf's, after symbols__fixup_end.
    public struct PerfSymbol: Sendable {
        public var name: String
        public var start: UInt64
        public var end: UInt64
    }

    /// perf's symbol table: defined functions (STT_FUNC, STT_GNU_IFUNC) and objects of SHF_ALLOC sections,
    /// and labels (STT_NOTYPE, not hidden or internal) of sections whose name holds "text" — ld.so's `_start`
    /// and `_dl_start_user` are such labels — of .symtab, then .dynsym. A symbol of size 0 ends where the
    /// next one starts (the last at the page after its own); then of symbols at one address the one
    /// choose_best_symbol keeps, pairwise in table order as symbols__fixup_duplicate goes (so a tie keeps
    /// the first). Sorted by start. Checked against perf script on Fixtures/script-aliases and glibc.
    /// `moduleText`: a kernel module's (ET_REL) table, of its `.text` symbols only: the other sections'
    /// values are offsets in those sections, which perf does not map onto the module's `.text`.
    func buildPerfSymbols(moduleText: Bool = false) -> [PerfSymbol] {
        var raw: [(sym: PerfSymbol, size: UInt64, bind: UInt8)] = []
        for tabName in [".symtab", ".dynsym"] {
            var names = NamesByOffset()
            guard let tab = section(named: tabName), tab.type != 8, Int(tab.link) < sections.count,
                  let b = bytes(of: tab) else { continue }
            let strtab = sections[Int(tab.link)]
            var c = ByteCursor(b, origin: Int(tab.offset), order: order)
            while c.remaining >= 24 {
                guard let nameOff = try? c.u32(), let info = try? c.u8(), let other = try? c.u8(),
                      let shndx = try? c.u16(), let value = try? c.u64(), let size = try? c.u64() else { break }
                guard nameOff != 0, shndx != 0, shndx != 0xfff1, Int(shndx) < sections.count else { continue }
                let kind = info & 0xf, visibility = other & 3
                let sec = sections[Int(shndx)]
                let isLabel = kind == 0 && visibility != 1 && visibility != 2  // STV_INTERNAL, STV_HIDDEN
                guard kind == 2 || kind == 10 || kind == 1 || isLabel else { continue }
                guard sec.flags & 2 != 0 else { continue }  // SHF_ALLOC
                if moduleText, sec.name != ".text" { continue }
                if isLabel, !sec.name.contains("text") { continue }
                guard let name = names.name(nameOff, {
                    try? cString(at: strtab.offset &+ UInt64(nameOff), limit: strtab.offset &+ strtab.size)
                }), !name.isEmpty else { continue }
                let end = size == 0 ? value : (value.addingReportingOverflow(size).overflow ? .max : value &+ size)
                raw.append((PerfSymbol(name: name, start: value, end: end), size, info >> 4))
            }
            // perf 6.1 reads both, .symtab first (dso__load_sym): .dynsym names what `strip --strip-symbol`
            // took from .symtab, and its entries join the aliases below.
        }
        // Insertion order within one start is kept (a stable sort), as perf's rbtree keeps it.
        let sorted = raw.indices.sorted { raw[$0].sym.start != raw[$1].sym.start ? raw[$0].sym.start < raw[$1].sym.start : $0 < $1 }
        var syms = sorted.map { raw[$0] }
        // symbols__fixup_end: a zero-size symbol ends at the next one's start (the same start leaves it empty).
        for i in syms.indices where syms[i].sym.end == syms[i].sym.start {
            if i + 1 < syms.count {
                syms[i].sym.end = syms[i + 1].sym.start
            } else {
                let s = syms[i].sym.start
                let up = s.addingReportingOverflow(4095).overflow ? UInt64.max & ~4095 : (s &+ 4095) & ~4095
                syms[i].sym.end = up.addingReportingOverflow(4096).overflow ? .max : up &+ 4096
            }
        }
        // symbols__fixup_duplicate: one symbol per start.
        var out: [PerfSymbol] = []
        var best: (sym: PerfSymbol, size: UInt64, bind: UInt8)?
        for s in syms {
            if let b = best, b.sym.start == s.sym.start {
                if !Self.perfPrefers(b, over: s) { best = s }
                continue
            }
            if let b = best { out.append(b.sym) }
            best = s
        }
        if let b = best { out.append(b.sym) }
        return moduleText ? out : withPLTSymbols(out)
    }

    /// choose_best_symbol: a non-zero length, then not weak, then global, then fewer leading underscores,
    /// then the longer name; on a tie the first.
    static func perfPrefers(_ a: (sym: PerfSymbol, size: UInt64, bind: UInt8), over b: (sym: PerfSymbol, size: UInt64, bind: UInt8)) -> Bool {
        let la = a.sym.end &- a.sym.start, lb = b.sym.end &- b.sym.start
        if (la == 0) != (lb == 0) { return la != 0 }
        if (a.bind == 2) != (b.bind == 2) { return b.bind == 2 }
        if (a.bind == 1) != (b.bind == 1) { return a.bind == 1 }
        let ua = a.sym.name.utf8.prefix { $0 == UInt8(ascii: "_") }.count
        let ub = b.sym.name.utf8.prefix { $0 == UInt8(ascii: "_") }.count
        if ua != ub { return ua < ub }
        return a.sym.name.utf8.count >= b.sym.name.utf8.count
    }

    /// The symbol perf script names `a` with (symbols__find): the last one starting at or before `a`, if
    /// `a` lies before its end or is its start.
    /// `moduleText`: in a kernel module's `.text` symbols (`buildPerfSymbols(moduleText:)`).
    public func perfSymbol(at a: UInt64, moduleText: Bool = false) -> PerfSymbol? {
        let syms = moduleText ? perfModuleTextSymbols : perfSymbols
        var lo = 0, hi = syms.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if syms[mid].start <= a { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let s = syms[lo - 1]
        return a < s.end || a == s.start ? s : nil
    }
}
