import BinaryIO

/// Two folded profiles joined into `stack count1 count2` lines, as FlameGraph's `difffolded.pl` does,
/// for differential flame graphs (width from the second profile, colour from the change).
///
/// Counts are read as difffolded.pl reads them (`^(.*)\s+?(\d+(?:\.\d*)?)$`, so a trailing count and
/// the whitespace before it) and printed as Perl prints numbers. Unlike the Perl script, lines without a
/// count are skipped and counted instead of becoming an empty stack, and the output is sorted.
public struct FoldedDiff {
    public struct Options: Sendable {
        /// Scale the first profile's counts to the second's total (`-n`).
        public var normalize = false
        /// Replace hex numbers by `0x...` so addresses do not split frames (`-s`).
        public var stripHex = false
        public init() {}
    }

    /// A count as Perl holds it: an integer while every input was one, else a double.
    public enum Count: Equatable, Sendable {
        case int(UInt64)
        case double(Double)

        static func + (a: Count, b: Count) -> Count {
            switch (a, b) {
            case let (.int(x), .int(y)):
                let (s, o) = x.addingReportingOverflow(y)
                return o ? .double(Double(x) + Double(y)) : .int(s)
            default: return .double(a.value + b.value)
            }
        }
        var value: Double {
            switch self {
            case .int(let v): return Double(v)
            case .double(let d): return d
            }
        }
        /// As Perl's print does: integers in full, doubles with %.15g.
        func append(to out: inout [UInt8]) {
            switch self {
            case .int(let v): appendDecimal(v, to: &out)
            case .double(let d): out.append(contentsOf: Array(cFormat("%.15g", d).utf8))
            }
        }
    }

    public let options: Options
    var counts: [[UInt8]: (Count, Count)] = [:]
    var totals: (Count, Count) = (.int(0), .int(0))
    public private(set) var skippedLines = [0, 0]

    public init(options: Options = Options()) { self.options = options }

    /// Adds one profile's folded text; `which` is 0 for the baseline, 1 for the new profile.
    public mutating func add(_ text: UnsafeRawBufferPointer, profile which: Int) {
        var start = 0
        let n = text.count
        while start < n {
            var end = start
            while end < n, text[end] != 0x0a { end += 1 }
            addLine(UnsafeRawBufferPointer(rebasing: text[start..<end]), profile: which)
            start = end + 1
        }
    }

    mutating func addLine(_ line: UnsafeRawBufferPointer, profile which: Int) {
        guard let (stackEnd, count) = Self.splitCount(line) else {
            if !line.isEmpty { skippedLines[which] += 1 }
            return
        }
        var stack = Array(line[..<stackEnd])
        if options.stripHex { stack = Self.stripHex(stack) }
        var entry = counts[stack] ?? (.int(0), .int(0))
        if which == 0 {
            entry.0 = entry.0 + count
            totals.0 = totals.0 + count
        } else {
            entry.1 = entry.1 + count
            totals.1 = totals.1 + count
        }
        counts[stack] = entry
    }

    /// The end of the stack and the count (see `trailingCount`), held as Perl would: an integer unless
    /// it has a dot or overflows.
    static func splitCount(_ line: UnsafeRawBufferPointer) -> (Int, Count)? {
        guard let (stackEnd, digits, hasDot) = trailingCount(line, 0, line.count) else { return nil }
        let text = { String(decoding: UnsafeRawBufferPointer(rebasing: line[digits]), as: UTF8.self) }
        if hasDot {
            let s = text()
            guard let d = Double(s.hasSuffix(".") ? s + "0" : s) else { return nil }
            return (stackEnd, .double(d))
        }
        var v: UInt64 = 0
        for c in line[digits] {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
            if o1 || o2 { return (stackEnd, .double(Double(text()) ?? 0)) }
            v = a
        }
        return (stackEnd, .int(v))
    }

    static func stripHex(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == 0x30, i + 2 < s.count, s[i + 1] == 0x78, isHex(s[i + 2]) {
                var j = i + 2
                while j < s.count, isHex(s[j]) { j += 1 }
                out.append(contentsOf: Array("0x...".utf8))
                i = j
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }

    /// `stack count1 count2` lines, sorted by stack.
    public func render() -> [UInt8] {
        var out: [UInt8] = []
        let scale = options.normalize && totals.0 != totals.1
        for (stack, c) in counts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out.append(contentsOf: stack)
            out.append(0x20)
            var first = c.0
            if scale { first = Self.normalized(first, totals.0, totals.1) }
            first.append(to: &out)
            out.append(0x20)
            c.1.append(to: &out)
            out.append(0x0a)
        }
        return out
    }

    /// `int(count * total2 / total1)` with Perl's arithmetic: an exact integer product when it fits,
    /// a floating-point division, truncation towards zero.
    static func normalized(_ c: Count, _ total1: Count, _ total2: Count) -> Count {
        let product: Double
        if case .int(let a) = c, case .int(let b) = total2 {
            let (p, o) = a.multipliedReportingOverflow(by: b)
            product = o ? Double(a) * Double(b) : Double(p)
        } else {
            product = c.value * total2.value
        }
        let q = (product / total1.value).rounded(.towardZero)
        if q >= 0, q < 1.8e19 { return .int(UInt64(q)) }
        return .double(q)
    }
}
