// perf's `name@plt` symbols (symbol-elf.c's dso__synthesize_plt_symbols, 6.1), for `--elf-names`.
import BinaryIO

extension ELFFile {
    /// One `name@plt` per `.rela.plt` entry, named after the `.dynsym` symbol it relocates (without its
    /// version): `.plt`'s entries after its header, at `.plt`'s file offset as perf 6.1 places them. The
    /// header and entries are `.plt`'s sh_entsize (x86-64: 16 bytes), AArch64's 32 and 16. Checked against
    /// perf script: Fixtures/script-aliases (aliases-dynsym-plt).
    func perfPLTSymbols() -> [PerfSymbol] {
        guard let rela = section(named: ".rela.plt"), rela.type == 4, rela.entrySize >= 24, rela.entrySize < 1 << 16,
              Int(rela.link) < sections.count, let relocs = bytes(of: rela),
              let plt = section(named: ".plt") else { return [] }
        let dynsym = sections[Int(rela.link)]
        guard dynsym.type == 11, dynsym.entrySize >= 24, Int(dynsym.link) < sections.count,
              let syms = bytes(of: dynsym) else { return [] }
        let strtab = sections[Int(dynsym.link)]
        let (header, entry) = machine == 183 ? (UInt64(32), UInt64(16)) : (plt.entrySize, plt.entrySize)
        guard entry > 0, case (var at, false) = plt.offset.addingReportingOverflow(header) else { return [] }
        var out: [PerfSymbol] = []
        var c = ByteCursor(relocs, origin: Int(rela.offset), order: order)
        while c.remaining >= Int(rela.entrySize) {
            guard (try? c.u64()) != nil, let info = try? c.u64() else { break }
            try? c.skip(Int(rela.entrySize) - 16)
            // The symbol's name offset: the first word of its .dynsym entry.
            let (symOff, o) = (info >> 32).multipliedReportingOverflow(by: dynsym.entrySize)
            var name = ""
            if !o, syms.count >= 4, symOff <= UInt64(syms.count - 4) {
                var s = ByteCursor(UnsafeRawBufferPointer(rebasing: syms[Int(symOff)...]), order: order)
                if let nameOff = try? s.u32() {
                    name = (try? cString(at: strtab.offset &+ UInt64(nameOff), limit: strtab.offset &+ strtab.size)) ?? ""
                }
            }
            guard case (let end, false) = at.addingReportingOverflow(entry) else { break }
            out.append(PerfSymbol(name: name + "@plt", start: at, end: end))
            at = end
        }
        return out
    }

    /// The PLT symbol holding `a`: perf takes them from the binary itself (its runtime file), also when
    /// the other symbols come from a separate debug file, whose `.plt` and `.rela.plt` hold no bytes.
    public func perfPLTSymbol(at a: UInt64) -> PerfSymbol? {
        let plt = perfPLTTable
        guard let first = plt.first, a >= first.start else { return nil }
        let i = (a - first.start) / (first.end - first.start)
        return i < UInt64(plt.count) ? plt[Int(i)] : nil
    }

    /// `syms` (sorted, perf's table) with the PLT symbols that no symbol of it holds: perf inserts them
    /// after its fixups, and where one of its symbols (a zero-size `_init` stretched over `.plt`) covers an
    /// entry, its lookup finds that one (perf script names such addresses `_init+0x30`).
    func withPLTSymbols(_ syms: [PerfSymbol]) -> [PerfSymbol] {
        let plt = perfPLTTable
        guard !plt.isEmpty else { return syms }
        var added: [PerfSymbol] = []
        var i = 0  // syms[..<i] start at or before the PLT symbol looked at
        for p in plt {
            while i < syms.count, syms[i].start <= p.start { i += 1 }
            if i > 0, p.start < syms[i - 1].end || p.start == syms[i - 1].start { continue }
            added.append(p)
        }
        return (syms + added).sorted { $0.start < $1.start }
    }
}
