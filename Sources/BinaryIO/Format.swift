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
public func trailingCount(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (
    stackEnd: Int, digits: Range<Int>, hasDot: Bool
)? {
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

/// `s` as a JSON string literal (quotes, backslash and control characters escaped), appended to `out`.
/// Names in JSON outputs come from captures and binaries, so nothing is assumed about them.
@inlinable
public func appendJSONString(_ s: String, to out: inout [UInt8]) {
    out.append(0x22)
    var s = s
    s.withUTF8 { u in
        var start = 0
        for i in u.indices {
            let c = u[i]
            guard c < 0x20 || c == 0x22 || c == 0x5c else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i]))
            start = i + 1
            out.append(0x5c)
            switch c {
            case 0x22, 0x5c: out.append(c)
            case 0x0a: out.append(0x6e)  // \n
            case 0x0d: out.append(0x72)  // \r
            case 0x09: out.append(0x74)  // \t
            default:
                let hex = c & 0xf
                out.append(contentsOf: [0x75, 0x30, 0x30, 0x30 + (c >> 4), hex < 10 ? 0x30 + hex : 0x57 + hex])
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: u[start...]))
    }
    out.append(0x22)
}

@inlinable
public func appendJSONString(_ s: String, to out: inout OutputBuffer) {
    var b: [UInt8] = []
    appendJSONString(s, to: &b)
    out.append(bytes: b)
}

/// `v` in decimal, right-aligned in `width` bytes with `pad` (printf's `%*lu` / `%0*lu`), appended to `out`.
@inlinable
public func appendDecimal(_ v: UInt64, width: Int, pad: UInt8 = 0x20, to out: inout [UInt8]) {
    var digits = 1
    var x = v
    while x >= 10 { x /= 10; digits += 1 }
    if digits < width { out.append(contentsOf: repeatElement(pad, count: width - digits)) }
    appendDecimal(v, to: &out)
}

/// `s` right-aligned in `width` characters, as printf's `%*s` (perf script's columns).
public func leftPad(_ s: String, _ width: Int, _ pad: Character = " ") -> String {
    s.count >= width ? s : String(repeating: pad, count: width - s.count) + s
}

/// Byte order of two strings' UTF-8 (as `LC_ALL=C sort` orders lines): String's own `<` orders by
/// normalized Unicode, and comparing `utf8` views element by element is several times slower.
@inlinable public func utf8Less(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            let n = min(x.count, y.count)
            let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
            return c != 0 ? c < 0 : x.count < y.count
        }
    }
}

/// A decimal integer's digits in groups of three (`-1234567` → `-1,234,567`), as flamegraph.pl prints counts.
public func withCommas(_ s: String) -> String {
    var digits = Array(s)
    let neg = digits.first == "-"
    if neg { digits.removeFirst() }
    var out: [Character] = []
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (neg ? "-" : "") + String(out)
}
