extension ScriptTextCollapser {
    /// A Rust legacy name that a profiler demangled only partly (`foo::_$LT$T$GT$::bar::h<16 hex>`, the
    /// C++ demangler's view of it): its hash dropped, `$LT$`-style escapes and `..` decoded, as inferno's
    /// collapse-perf does (a leading `_$` loses its `_`; an unknown escape ends the decoding). Names
    /// without the trailing hash are left alone.
    func fixPartlyDemangledRust(_ name: inout [UInt8]) {
        guard name.count >= 17 else { return }
        let hash = name[(name.count - 17)...]
        guard hash.first == 0x68, hash.dropFirst().allSatisfy(isHex) else { return }
        var rest = name[..<(name.count - 17)]
        if rest.count >= 2, rest.last == 0x3a, rest[rest.endIndex - 2] == 0x3a { rest = rest.dropLast(2) }
        if rest.count >= 2, rest.first == 0x5f, rest[rest.startIndex + 1] == 0x24 { rest = rest.dropFirst() }
        var out: [UInt8] = []
        var i = rest.startIndex
        scan: while i < rest.endIndex {
            switch rest[i] {
            case 0x2e:
                if i + 1 < rest.endIndex, rest[i + 1] == 0x2e {
                    out += [0x3a, 0x3a]; i += 2
                } else {
                    out.append(0x2e); i += 1
                }
            case 0x24:
                for (code, text) in Self.rustEscapes where rest[i...].starts(with: code) {
                    out += text
                    i += code.count
                    continue scan
                }
                out += rest[i...]
                break scan
            default:
                out.append(rest[i])
                i += 1
            }
        }
        name = out
    }

    static let rustEscapes: [([UInt8], [UInt8])] = [
        ("$SP$", "@"), ("$BP$", "*"), ("$RF$", "&"), ("$LT$", "<"), ("$GT$", ">"), ("$LP$", "("), ("$RP$", ")"),
        ("$C$", ","), ("$u7e$", "~"), ("$u20$", " "), ("$u27$", "'"), ("$u3d$", "="), ("$u5b$", "["), ("$u5d$", "]"),
        ("$u7b$", "{"), ("$u7d$", "}"), ("$u3b$", ";"), ("$u2b$", "+"), ("$u21$", "!"), ("$u22$", "\""),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }
}
