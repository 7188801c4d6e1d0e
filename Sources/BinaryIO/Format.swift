#if canImport(Glibc)
import Glibc
#endif

/// printf-style formatting of one number through the C library, as Perl's sprintf does it (flamegraph.pl's and
/// difffolded.pl's numbers), without linking Foundation (which costs ~10 ms of start-up per run).
public func cFormat(_ format: String, _ args: CVarArg...) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    let n = withVaList(args) { vsnprintf(&buf, buf.count, format, $0) }
    if n >= buf.count {
        buf = [CChar](repeating: 0, count: Int(n) + 1)
        _ = withVaList(args) { vsnprintf(&buf, buf.count, format, $0) }
    }
    return String(decoding: buf.prefix(Int(max(n, 0))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The count at the end of a folded-stack line, as flamegraph.pl and difffolded.pl match it:
/// `(.*)\s+?(\d+(?:\.\d*)?)$` on bytes `[start, end)`. Returns where the stack ends (the one whitespace
/// byte before the count is dropped, `\s+?` being lazy), the count's digits, and whether it has a dot.
public func trailingCount(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (stackEnd: Int, digits: Range<Int>, hasDot: Bool)? {
    var i = end
    var dots = 0
    while i > start, (b[i - 1] >= 0x30 && b[i - 1] <= 0x39) || b[i - 1] == 0x2e {
        if b[i - 1] == 0x2e { dots += 1 }
        i -= 1
    }
    guard i < end, b[i] != 0x2e, dots <= 1 else { return nil }
    guard i > start, b[i - 1] == 0x20 || (b[i - 1] >= 0x09 && b[i - 1] <= 0x0d) else { return nil }
    return (i - 1, i..<end, dots == 1)
}

/// Nanoseconds as perf prints times (`sec.usec`), the form `--time` takes.
public func perfSeconds(_ ns: UInt64) -> String {
    let us = ns / 1000
    let frac = String(us % 1_000_000)
    return "\(us / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
}
