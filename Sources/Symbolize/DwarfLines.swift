import CElfUtils

// DwarfIndex's names of files and its line tables: interned strings, a unit's file table (for the call
// files of inlined frames) and its line rows, read through libdw on first use.
extension DwarfIndex {
    /// The name of file `number` of the unit's line table header (a DW_AT_call_file), "??" when it has none.
    func callFileName(_ unit: Int32, _ number: Int32) -> String {
        guard number >= 0 else { return "??" }
        let files = units[Int(unit)].files ?? fileTable(unit)
        units[Int(unit)].files = files
        return Int(number) < files.count ? strings[Int(files[Int(number)])] : "??"
    }

    /// The file names of a CU's line table header (index = DW_AT_call_file / line-row file number).
    func fileTable(_ unit: Int32) -> [Int32] {
        var files: OpaquePointer? = nil
        var n = 0
        guard dwarf_getsrcfiles(&units[Int(unit)].die, &files, &n) == 0, let files else { return [] }
        return (0..<min(n, 1_000_000)).map { i in
            if let s = dwarf_filesrc(files, i, nil, nil) { internPath(s, unit) } else { intern("??") }
        }
    }

    /// A file name of a CU's line table as llvm-symbolizer prints it. libdw joins a file's directory and
    /// name; llvm also puts DW_AT_comp_dir before a relative directory other than directory 0 (gcc run on
    /// a relative source path: `cgo/c` + `main.c`).
    func internPath(_ s: UnsafePointer<CChar>, _ unit: Int32) -> Int32 {
        let key = UnsafeRawPointer(s)
        if let id = pathIDs[key] { return id }
        var path = String(cString: s)
        if !path.hasPrefix("/") {
            let u = Int(unit)
            if !units[u].dirsRead {
                units[u].dirsRead = true
                var attr = Dwarf_Attribute()
                if dwarf_attr(&units[u].die, UInt32(DW_AT_comp_dir), &attr) != nil, let c = dwarf_formstring(&attr) {
                    units[u].compDir = String(cString: c)
                }
                var files: OpaquePointer? = nil
                var n = 0
                var dirs: UnsafePointer<UnsafePointer<CChar>?>? = nil
                var ndirs = 0
                if dwarf_getsrcfiles(&units[u].die, &files, &n) == 0, let files,
                    dwarf_getsrcdirs(files, &dirs, &ndirs) == 0,
                    let dirs, ndirs > 0, let d0 = dirs[0]
                {
                    units[u].dir0 = String(cString: d0)
                }
            }
            if let comp = units[u].compDir, !comp.isEmpty, !(units[u].dir0.map { path.hasPrefix($0 + "/") } ?? false) {
                path = comp.hasSuffix("/") ? comp + path : comp + "/" + path
            }
        }
        let id = intern(path)
        pathIDs[key] = id
        return id
    }

    func intern(_ s: UnsafePointer<CChar>) -> Int32 {
        let key = UnsafeRawPointer(s)
        if let id = cStringIDs[key] { return id }
        let id = intern(String(cString: s))
        cStringIDs[key] = id
        return id
    }

    func intern(_ s: String) -> Int32 {
        if let id = stringIDs[s] { return id }
        let id = Int32(strings.count)
        strings.append(s)
        stringIDs[s] = id
        return id
    }

    /// The CU's line table, sorted by address as libdw sorts it (an end-of-sequence row before a row that
    /// starts at the same address; otherwise in sequence order), read on first use.
    func lines(_ unit: Int32) -> [LineRow] {
        if let l = units[Int(unit)].lines { return l }
        readDie(unit)
        guard units[Int(unit)].die.cu != nil else { return [] }
        var rows: [LineRow] = []
        var lines: OpaquePointer? = nil
        var n = 0
        if dwarf_getsrclines(&units[Int(unit)].die, &lines, &n) == 0, let lines {
            rows.reserveCapacity(n)
            var fileIDs: [UnsafeRawPointer: Int32] = [:]
            for i in 0..<n {
                guard let line = dwarf_onesrcline(lines, i) else { continue }
                var addr: Dwarf_Addr = 0
                var no: Int32 = 0
                var end = false
                guard dwarf_lineaddr(line, &addr) == 0, dwarf_lineno(line, &no) == 0,
                    dwarf_lineendsequence(line, &end) == 0
                else { continue }
                var file: Int32 = -1
                if let s = dwarf_linesrc(line, nil, nil) {
                    let key = UnsafeRawPointer(s)
                    if let id = fileIDs[key] {
                        file = id
                    } else {
                        file = internPath(s, unit)
                        fileIDs[key] = file
                    }
                }
                rows.append(LineRow(address: addr, file: file, line: end ? -1 : no))
            }
        }
        units[Int(unit)].lines = rows
        return rows
    }
}
