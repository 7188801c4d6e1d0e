import BinaryIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A symbol of `.symtab` (or `.dynsym`) as the lookups keep it: where its name is, not the name. A fold
/// names a few dozen of libc's 10,000 symbols, and making a String of each, and sorting tuples of them,
/// cost 33 M instructions on a cgo capture: three times the rest of what libc's frames cost.
struct TableSymbol {
    var value: UInt64
    var size: UInt64
    /// The symbol's index in its table (names are kept per index, `SymbolTableNames`) and its name's offset.
    var index: Int32
    var nameOff: UInt32
    var info: UInt8  // st_info: binding and type
    /// Naming symbols of local binding: the STT_FILE symbol before it (index, name offset); index -1 none.
    var fileIndex: Int32 = -1
    var fileNameOff: UInt32 = 0
}

/// One table's symbols sorted by address, and the symbol table their names are in.
struct SortedSymbols {
    var entries: [TableSymbol] = []
    var table: ELFFile.Section?
}

extension ELFFile {
    /// A symbol as llvm-symbolizer uses it to name code: `file` is the STT_FILE name before a local symbol.
    public struct NamingSymbol: Sendable {
        public var name: String
        public var value: UInt64
        public var size: UInt64
        public var file: String?
    }

    /// The symbol holding `a`, by binary search. Of aliases at one address (libc's `execve`, `__execve`,
    /// `__GI___execve`), the one perf names frames with (`buildFunctionTable`).
    public func symbol(at a: UInt64) -> Symbol? {
        let syms = functionTable.entries
        let lo = syms.partitionPoint { $0.value <= a }
        var i = lo - 1
        while i >= 0, lo - 1 - i <= 4 {
            let s = syms[i]
            if a < s.value &+ max(s.size, 1) { return functionSymbol(i) }
            if s.size != 0 { break }
            i -= 1
        }
        // perf (symbols__fixup_end) and llvm-symbolizer give a symbol without a size the bytes up to the next
        // symbol, or to the end of its section when it is the last (crt's deregister_tm_clones, _fini, libc's
        // __restore_rt): named there, not [unknown].
        guard lo > 0, syms[lo - 1].size == 0 else { return nil }
        let z = syms[lo - 1]
        if lo < syms.count { return functionSymbol(lo - 1) }
        let holding = sections.first { $0.flags & 2 != 0 && $0.address <= z.value && z.value - $0.address < $0.size }
        guard let sec = holding, a - sec.address < sec.size else { return nil }
        return functionSymbol(lo - 1)
    }

    /// The symbol naming `a` as llvm-symbolizer picks it: the last at or before `a`, which must hold `a`
    /// unless its size is 0 (then it runs to the next symbol).
    public func namingSymbol(at a: UInt64) -> NamingSymbol? {
        let syms = namingTable.entries
        guard let i = syms.lastIndex(atOrBefore: a, by: \.value) else { return nil }
        let s = syms[i]
        if s.size != 0, a >= s.value &+ s.size { return nil }
        return namingSymbol(i)
    }

    /// Entry `i` of `functionTable` with its name.
    func functionSymbol(_ i: Int) -> Symbol {
        let s = functionTable.entries[i]
        let name = functionTable.table.flatMap { tableName($0, s.index, s.nameOff) } ?? ""
        return Symbol(name: name, value: s.value, size: s.size, isFunction: true)
    }

    /// Entry `i` of `namingTable` with its name and file.
    func namingSymbol(_ i: Int) -> NamingSymbol {
        let s = namingTable.entries[i]
        guard let t = namingTable.table else { return NamingSymbol(name: "", value: s.value, size: s.size) }
        let file = s.fileIndex < 0 ? nil : tableName(t, s.fileIndex, s.fileNameOff) ?? ""
        return NamingSymbol(name: tableName(t, s.index, s.nameOff) ?? "", value: s.value, size: s.size, file: file)
    }

    /// The name of symbol `index` of table `t`, read once (`SymbolTableNames`); nil when it is outside the
    /// string table or has no NUL there.
    func tableName(_ t: Section, _ index: Int32, _ nameOff: UInt32) -> String? {
        let strtab = sections[Int(t.link)]
        return names(of: t).name(Int(index), nameOff) {
            try? cString(at: strtab.offset &+ UInt64(nameOff), limit: strtab.offset &+ strtab.size)
        }
    }

    /// The bytes of a name without its NUL, as `cString` bounds them; nil where `cString` throws.
    func nameBytes(_ strtab: Section, _ nameOff: UInt32) -> UnsafeRawBufferPointer? {
        let off = strtab.offset &+ UInt64(nameOff), limit = strtab.offset &+ strtab.size
        guard off < UInt64(file.count), off < limit, let base = file.bytes.baseAddress else { return nil }
        let start = Int(off), end = Int(min(limit, UInt64(file.count)))
        guard let nul = memchr(base + start, 0, end - start) else { return nil }
        return UnsafeRawBufferPointer(start: base + start, count: UnsafeRawPointer(nul) - (base + start))
    }

    /// Calls `body` with each 24-byte entry of the symbol table `b` (its index, name offset, st_info, st_shndx,
    /// value, size) read in the file's byte order, in table order.
    func forEachSymbol(
        _ b: UnsafeRawBufferPointer,
        _ body: (Int, UInt32, UInt8, UInt16, UInt64, UInt64) -> Void
    ) {
        let swap = order != .host
        for i in 0..<b.count / 24 {
            let o = i * 24
            var nameOff = b.loadUnaligned(fromByteOffset: o, as: UInt32.self)
            var shndx = b.loadUnaligned(fromByteOffset: o + 6, as: UInt16.self)
            var value = b.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self)
            var size = b.loadUnaligned(fromByteOffset: o + 16, as: UInt64.self)
            if swap {
                nameOff = nameOff.byteSwapped
                shndx = shndx.byteSwapped
                value = value.byteSwapped
                size = size.byteSwapped
            }
            body(i, nameOff, b[o + 4], shndx, value, size)
        }
    }

    /// Function symbols (STT_FUNC, defined, named) of `.symtab`, else `.dynsym`, sorted by address; of
    /// aliases at one address, the one perf names frames with comes last, where `symbol(at:)` finds it:
    /// perf's choose_best_symbol prefers a non-zero size, then not weak, then global, then fewer leading
    /// underscores, then the longer name (then, here, the later in the table).
    func buildFunctionTable() -> SortedSymbols {
        for tabName in [".symtab", ".dynsym"] {
            guard let tab = section(named: tabName), Int(tab.link) < sections.count, let b = bytes(of: tab) else {
                continue
            }
            let strtab = sections[Int(tab.link)]
            var out: [TableSymbol] = []
            forEachSymbol(b) { index, nameOff, info, shndx, value, size in
                guard info & 0xf == 2, shndx != 0,  // STT_FUNC, defined
                    let name = nameBytes(strtab, nameOff), !name.isEmpty
                else { return }
                out.append(TableSymbol(value: value, size: size, index: Int32(truncatingIfNeeded: index),
                                       nameOff: nameOff, info: info))
            }
            guard !out.isEmpty else { continue }
            out.radixSort { $0.value }
            sortAliases(&out, rank: { functionRank($0, strtab) }, by: <)
            return SortedSymbols(entries: out, table: tab)
        }
        return SortedSymbols()
    }

    /// perf's preference among aliases, as a tuple that orders the preferred last.
    private func functionRank(_ s: TableSymbol, _ strtab: Section)
        -> (hasSize: Int, notWeak: Int, global: Int, underscores: Int, length: Int, index: Int32)
    {
        let bind = s.info >> 4
        let name = nameBytes(strtab, s.nameOff) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        // The length of the String the name becomes: invalid UTF-8 is replaced, which changes it.
        let length = name.allSatisfy { $0 < 0x80 } ? name.count : String(decoding: name, as: UTF8.self).utf8.count
        return (s.size > 0 ? 1 : 0, bind == 2 ? 0 : 1, bind == 1 ? 1 : 0,
                -name.prefix { $0 == UInt8(ascii: "_") }.count, length, s.index)
    }

    /// The symbols llvm-symbolizer names addresses with (`SymbolizableObjectFile`): defined function, object,
    /// ifunc and untyped symbols of `.symtab` (else `.dynsym`), sorted by address; of several at one address
    /// the largest (the last in table order among equal sizes).
    func buildNamingTable() -> SortedSymbols {
        let mappingSymbols = machine == 40 || machine == 183 || machine == 243  // ARM, AArch64, RISC-V: $x, $d
        for tabName in [".symtab", ".dynsym"] {
            guard let tab = section(named: tabName), Int(tab.link) < sections.count, let b = bytes(of: tab) else {
                continue
            }
            let strtab = sections[Int(tab.link)]
            var out: [TableSymbol] = []
            var fileIndex: Int32 = -1, fileNameOff: UInt32 = 0
            forEachSymbol(b) { index, nameOff, info, shndx, value, size in
                guard index > 0 else { return }
                let kind = info & 0xf, local = info >> 4 == 0
                if shndx == 0 || shndx >= 0xff00 {  // undefined, absolute, common: no section
                    if kind == 4 {  // STT_FILE: names the local symbols after it
                        fileIndex = Int32(truncatingIfNeeded: index)
                        fileNameOff = nameOff
                    }
                    return
                }
                guard kind == 0 || kind == 1 || kind == 2 || kind == 10 else { return }
                if mappingSymbols, nameBytes(strtab, nameOff)?.first == UInt8(ascii: "$") { return }
                out.append(TableSymbol(value: value, size: size, index: Int32(truncatingIfNeeded: index),
                                       nameOff: nameOff, info: info, fileIndex: local ? fileIndex : -1,
                                       fileNameOff: local ? fileNameOff : 0))
            }
            guard !out.isEmpty else { continue }
            out.radixSort { $0.value }
            sortAliases(&out, rank: { ($0.size, $0.index) }, by: <)
            var kept: [TableSymbol] = []
            kept.reserveCapacity(out.count)
            for (i, e) in out.enumerated() where i + 1 == out.count || out[i + 1].value != e.value {
                kept.append(e)
            }
            return SortedSymbols(entries: kept, table: tab)
        }
        return SortedSymbols()
    }

    /// Orders each run of symbols at one address (sorted by address already) by `rank`, which ranks no
    /// two symbols alike: the whole array then stands as if sorted by (address, rank), for the price of a
    /// sort by address alone. Runs are short (aliases); each symbol's rank is computed once.
    private func sortAliases<R>(_ s: inout [TableSymbol], rank: (TableSymbol) -> R, by less: (R, R) -> Bool) {
        s.withUnsafeMutableBufferPointer { b in
            var i = 0
            while i < b.count {
                var j = i + 1
                while j < b.count, b[j].value == b[i].value { j += 1 }
                if j - i > 1 {
                    var run = b[i..<j].map { (rank($0), $0) }
                    run.sort { less($0.0, $1.0) }
                    for (k, e) in run.enumerated() { b[i + k] = e.1 }
                }
                i = j
            }
        }
    }
}
