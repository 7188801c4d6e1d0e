/// The names of one symbol table (`.symtab` or `.dynsym`) by symbol index, each read at most once:
/// `symbol(at:)` (perf's choice of name) and `namingSymbol(at:)` (llvm-symbolizer's) both name from libc's
/// 10,000-entry `.symtab`, and would each make their own Strings of the same names.
/// One owner, like `ELFFile`'s lazy tables: no dynamic exclusivity checks (three a symbol otherwise).
final class SymbolTableNames {
    @exclusivity(unchecked) private var names: [String?]
    @exclusivity(unchecked) private var known: [Bool]
    /// Symbols that share a long name share one String (see `NamesByOffset`).
    @exclusivity(unchecked) private var byOffset = NamesByOffset()

    init(count: Int) {
        names = [String?](repeating: nil, count: count)
        known = [Bool](repeating: false, count: count)
    }

    /// The name of symbol `index`, whose name is at `offset` of the string table: `read` on first use.
    func name(_ index: Int, _ offset: UInt32, _ read: () -> String?) -> String? {
        guard index >= 0, index < names.count else { return byOffset.name(offset, read) }
        if known[index] { return names[index] }
        let s = byOffset.name(offset, read)
        names[index] = s
        known[index] = true
        return s
    }
}

extension ELFFile {
    /// The shared names of the symbol table `tab` (one of `sections`).
    func names(of tab: Section) -> SymbolTableNames {
        if let t = symbolTableNames[tab.offset] { return t }
        let t = SymbolTableNames(count: Int(tab.size / 24))
        symbolTableNames[tab.offset] = t
        return t
    }
}
