/// Options of `stackcollapse-perf.pl`, with the same meaning.
public struct ScriptCollapseOptions: Sendable {
    /// Root frame `comm-PID`.
    public var includePID = false
    /// Root frame `comm-PID/TID`.
    public var includeTID = false
    /// `_[k]` on kernel frames.
    public var annotateKernel = false
    /// `_[j]` on JIT frames.
    public var annotateJIT = false
    /// `[module <addr>]` for unknown frames.
    public var includeAddresses = false
    /// Keep only this event; nil = the first event seen (the Perl default).
    public var eventFilter: String?
    /// Malformed lines are errors instead of being skipped and counted.
    public var strict = false
    /// Behave exactly like the Perl script even where it loses data (no last sample without a
    /// trailing blank line, no one-line samples, names cut at the first `(`); for comparisons.
    public var perlCompatible = false
    public init() {}
}

/// Thrown in strict mode.
public struct CollapseError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var line: Int
    public var message: String
    public var description: String { "\(path):\(line): \(message)" }
}

/// Folds `perf script` text into `stack count` lines, as `stackcollapse-perf.pl` does
/// (rules in docs: event line, frame line, blank line ends a sample, tidying, annotations).
public struct ScriptTextCollapser {
    public var options: ScriptCollapseOptions
    var stacks = StackCounter()
    var nameTable = NameTable()
    /// Whole frame lines (after leading blanks) -> their names' ids, leaf first.
    var lineCache = ByteRunCache()
    var scratch: [UInt32] = []
    /// Lines that were neither a header, a frame, a comment nor blank.
    public private(set) var unrecognizedLines = 0
    public private(set) var warnings: [String] = []
    /// `--inline`/`--context`: frames of binaries un-inlined from the binaries (ScriptInline.swift).
    public var inlineLookup: ScriptInlineLookup?

    var eventFilter: String?
    var eventDefaulted: Bool
    var warnedFilter = false
    // The sample being read.
    var pname: [UInt8]?
    var period: UInt64 = 1
    var pnameIsJava = false
    /// The sample's frames as name ids, leaf first.
    var frames: [UInt32] = []
    var lineNumber = 0

    public init(options: ScriptCollapseOptions) {
        self.options = options
        self.eventFilter = options.eventFilter
        self.eventDefaulted = options.eventFilter == nil
    }

    /// Feeds a whole input (file contents).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, path: String = "<input>") throws(CollapseError) {
        var start = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return }
        while start < n {
            var end = start
            // memchr is much faster than a byte loop in debug builds and as fast in release.
            if let p = memchrNewline(base + start, n - start) {
                end = p - base
            } else {
                end = n
            }
            var lineEnd = end
            if lineEnd > start, bytes[lineEnd - 1] == 0x0d { lineEnd -= 1 }
            lineNumber += 1
            try line(UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd]), path: path)
            start = end + 1
        }
    }

    /// Call after the last input: flushes a sample not followed by a blank line (the Perl script drops it).
    public mutating func finish() {
        if !options.perlCompatible { endSample() }
    }

    mutating func endSample() {
        defer {
            pname = nil
            frames.removeAll(keepingCapacity: true)
        }
        guard let p = pname, !isPerlFalse(p) else { return }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(nameTable.intern(p))
        var i = frames.count - 1
        while i >= 0 { scratch.append(frames[i]); i -= 1 }
        stacks.add(scratch, weight: period)
    }

    mutating func line(_ l: UnsafeRawBufferPointer, path: String) throws(CollapseError) {
        if l.first == 0x23 { return }  // '#': comments and `perf script --header`
        if l.isEmpty {
            endSample()
            return
        }
        if let h = parseHeader(l) {
            header(h, l)
            return
        }
        if !options.perlCompatible, pname == nil, frames.isEmpty, l.first == 0x20 || l.first == 0x09 {
            // perf right-aligns the comm when there is no call chain; the Perl script misses such lines.
            var i = 0
            while i < l.count, l[i] == 0x20 || l[i] == 0x09 { i += 1 }
            let trimmed = UnsafeRawBufferPointer(rebasing: l[i...])
            if let h = parseHeader(trimmed), h.event != nil || h.inlineFrame != nil {
                header(h, trimmed)
                return
            }
        }
        if pname != nil {
            // Frame lines repeat: the same text always folds to the same names.
            var t = 0
            while t < l.count, l[t] == 0x20 || l[t] == 0x09 { t += 1 }
            let key = UnsafeRawBufferPointer(rebasing: l[t...])
            // Un-inlined names depend on whether the line is the leaf (others are return addresses).
            let tag: UInt64 = (pnameIsJava ? 2 : 1) | (inlineLookup != nil && frames.isEmpty ? 4 : 0)
            let (h, hit) = key.isEmpty ? (0, nil) : lineCache.find(key, tag: tag)
            if let (start, count) = hit {
                lineCache.pool.withUnsafeBufferPointer { frames.append(contentsOf: $0[start..<start + count]) }
                return
            }
            if let f = parseFrame(l) {
                let ids = frameIDs(f)
                frames.append(contentsOf: ids)
                if !key.isEmpty { _ = lineCache.insert(key, hash: h, run: ids) }
                return
            }
        } else if parseFrame(l) != nil {
            return
        }
        unrecognizedLines += 1
        if options.strict {
            throw CollapseError(path: path, line: lineNumber, message: "unrecognized line: \(String(decoding: l, as: UTF8.self))")
        }
    }

    // MARK: header lines

    struct Header {
        var comm: Range<Int>
        var pid: Range<Int>
        var tid: Range<Int>?
        var period: UInt64?
        var event: [UInt8]?
        /// One-line sample: the frame printed after the event.
        var inlineFrame: Frame?
    }

    /// `^(\S.+?)\s+(\d+)\/*(\d+)*\s+`, then `:\s*(\d+)*\s+(\S+):\s*$` for period and event.
    func parseHeader(_ l: UnsafeRawBufferPointer) -> Header? {
        let n = l.count
        guard n >= 2, !isSpace(l[0]) else { return nil }
        var i = 2
        var found: Header?
        while i < n {
            guard isSpace(l[i]) else { i += 1; continue }
            var j = i
            while j < n, isSpace(l[j]) { j += 1 }
            let ds = j
            while j < n, isDigit(l[j]) { j += 1 }
            // Every space of this run leads to the same `j`: on failure the scan resumes after it
            // (rescanning the run from each of its spaces made `x` + 2M spaces quadratic).
            if j == ds { i = j; continue }
            let pid = ds..<j
            while j < n, l[j] == 0x2f { j += 1 }
            let ts = j
            while j < n, isDigit(l[j]) { j += 1 }
            let tid: Range<Int>? = j > ts ? ts..<j : nil
            guard j < n, isSpace(l[j]) else { i = j; continue }
            found = Header(comm: 0..<i, pid: pid, tid: tid)
            break
        }
        guard var h = found else { return nil }
        // Period and event: the last token must be `event:`.
        var e = n
        while e > 0, isSpace(l[e - 1]) { e -= 1 }
        if e > 0, l[e - 1] == 0x3a {
            var t = e - 1
            while t > 0, !isSpace(l[t - 1]) { t -= 1 }
            if t < e - 1, t > 0 {
                var ws = t
                while ws > 0, isSpace(l[ws - 1]) { ws -= 1 }
                // Leftmost ':' whose rest up to `ws` is `\s*\d*`: only one can be (a later ':' is in the
                // rest of any earlier one), the one before the digits and spaces that end at `ws`.
                var q = ws
                while q > 0, isDigit(l[q - 1]) { q -= 1 }
                let d0 = q
                while q > 0, isSpace(l[q - 1]) { q -= 1 }
                if q > 0, l[q - 1] == 0x3a {
                    h.period = d0 < ws ? parseDecimal(l, d0..<ws) : nil
                    h.event = Array(l[t..<(e - 1)])
                }
            }
        } else if !options.perlCompatible {
            // `comm pid [cpu] time: period event:  addr sym+off (module)`: perf's one-line form.
            if let colon = firstEventColon(l, from: h.pid.upperBound) {
                var q = colon + 1
                while q < n, isSpace(l[q]) { q += 1 }
                if let f = parseFrame(UnsafeRawBufferPointer(rebasing: l[q...])) {
                    h.inlineFrame = f
                    // The event is the token before the colon; the period, digits before it.
                    var t = colon
                    while t > 0, !isSpace(l[t - 1]) { t -= 1 }
                    h.event = Array(l[t..<colon])
                    var w = t
                    while w > 0, isSpace(l[w - 1]) { w -= 1 }
                    var d = w
                    while d > 0, isDigit(l[d - 1]) { d -= 1 }
                    if d < w, d > 0, isSpace(l[d - 1]) { h.period = parseDecimal(l, d..<w) }
                }
            }
        }
        return h
    }

    /// In a one-line sample, the colon that ends the event name: the first `: ` after the time field's.
    func firstEventColon(_ l: UnsafeRawBufferPointer, from: Int) -> Int? {
        var colons: [Int] = []
        var i = from
        while i + 1 < l.count {
            if l[i] == 0x3a, isSpace(l[i + 1]) { colons.append(i) }
            i += 1
        }
        // With a time field there are two (`time:` and `event:`), without one there is one.
        return colons.count >= 2 ? colons[1] : colons.first
    }

    mutating func header(_ h: Header, _ l: UnsafeRawBufferPointer) {
        if !options.perlCompatible, pname != nil {
            // A new header without the blank line before it: keep the sample read so far.
            endSample()
        }
        if let ev = h.event {
            let name = String(decoding: ev, as: UTF8.self)
            if eventFilter == nil {
                eventFilter = name
            } else if name != eventFilter {
                if eventDefaulted, !warnedFilter {
                    warnings.append("Filtering for events of type: \(name)")
                    warnedFilter = true
                }
                return
            }
        }
        var p = h.period ?? 1
        if p == 0 { p = 1 }
        period = p
        var name = Array(l[h.comm])
        let pidText: [UInt8] = h.tid == nil ? [0x3f] : Array(l[h.pid])
        let tidText: [UInt8] = h.tid.map { Array(l[$0]) } ?? Array(l[h.pid])
        if options.includeTID {
            name.append(0x2d)
            name += pidText
            name.append(0x2f)
            name += tidText
        } else if options.includePID {
            name.append(0x2d)
            name += pidText
        }
        for k in name.indices where name[k] == 0x20 { name[k] = 0x5f }
        pname = name
        pnameIsJava = name.starts(with: Array("java".utf8))
        frames.removeAll(keepingCapacity: true)
        if let f = h.inlineFrame { addFrame(f) }
    }

    // MARK: frame lines

    struct Frame {
        var pc: [UInt8]
        var raw: [UInt8]
        var module: [UInt8]
    }

    /// `^\s*(\w+)\s*(.+) \((.*)\)`, with Perl's backtracking.
    func parseFrame(_ l: UnsafeRawBufferPointer) -> Frame? {
        let n = l.count
        guard let close = lastIndex(of: 0x29, in: l) else { return nil }
        // Candidate " (" positions, last first, each needing a ')' after it.
        var j = close - 1
        while j >= 1 {
            if l[j] == 0x28, l[j - 1] == 0x20 {
                if let f = matchPrefix(l, splitAt: j - 1, moduleEnd: close) { return f }
            }
            j -= 1
        }
        _ = n
        return nil
    }

    func matchPrefix(_ l: UnsafeRawBufferPointer, splitAt s: Int, moduleEnd: Int) -> Frame? {
        var i = 0
        while i < s, isSpace(l[i]) { i += 1 }
        let w0 = i
        while i < s, isWord(l[i]) { i += 1 }
        var w1 = i
        guard w1 > w0 else { return nil }
        while i < s, isSpace(l[i]) { i += 1 }
        var r0 = i
        if r0 >= s {
            // (.+) needs a character: give one back from the spaces, else from the word.
            if w1 < s {
                r0 = s - 1
            } else if w1 - w0 >= 2 {
                w1 -= 1
                r0 = w1
            } else {
                return nil
            }
        }
        return Frame(pc: Array(l[w0..<w1]), raw: Array(l[r0..<s]), module: Array(l[(s + 2)..<moduleEnd]))
    }

    mutating func addFrame(_ f: Frame) {
        frames.append(contentsOf: frameIDs(f))
    }

    /// The ids of one frame line's folded names, leaf first (as the sample's frames are kept).
    mutating func frameIDs(_ f: Frame) -> [UInt32] {
        if let lookup = inlineLookup, ScriptInlineLookup.eligible(f.module) {
            var symbol = f.raw
            stripOffset(&symbol)
            if let names = lookup.names(pc: f.pc, module: f.module, symbol: symbol, leaf: frames.isEmpty) {
                return names.reversed().map { nameTable.intern($0) }
            }
        }
        return tidy(f, java: pnameIsJava).reversed().map { nameTable.intern($0) }
    }

    /// One frame line's folded names (several when Java inlining `a->b` is shown), root first.
    func tidy(_ f: Frame, java: Bool) -> [[UInt8]] {
        var raw = f.raw
        stripOffset(&raw)
        if raw.first == 0x28 { return [] }  // "(process name)"
        let module = f.module
        let moduleIsUnknown = module == Array("[unknown]".utf8)
        var out: [[UInt8]] = []
        for piece in split(raw, on: [0x2d, 0x3e]) {
            var func_ = piece
            if func_ == Array("[unknown]".utf8) {
                if !moduleIsUnknown {
                    func_ = basename(module)
                } else {
                    func_ = Array("unknown".utf8)
                }
                if options.includeAddresses {
                    func_ = [0x5b] + func_ + [0x20, 0x3c] + f.pc + [0x3e, 0x5d]
                } else {
                    func_ = [0x5b] + func_ + [0x5d]
                }
            }
            // tidy_generic
            for k in func_.indices where func_[k] == 0x3b { func_[k] = 0x3a }
            if !isGoMethod(func_) { cutArguments(&func_) }
            func_.removeAll { $0 == 0x22 || $0 == 0x27 }
            if java, func_.first == 0x4c, func_.contains(0x2f) { func_.removeFirst() }
            // Annotations
            if !out.isEmpty {
                if !contains(func_, Array("_[i]".utf8)) { func_ += Array("_[i]".utf8) }
            } else if options.annotateKernel, isKernelModule(module) {
                func_ += Array("_[k]".utf8)
            } else if options.annotateJIT, isJITModule(module) {
                if !contains(func_, Array("_[j]".utf8)) { func_ += Array("_[j]".utf8) }
            }
            out.append(func_)
        }
        return out
    }

    /// Kernel: `^\[` or `vmlinux$` in the Perl script, and also versioned vmlinux and `.ko` modules.
    func isKernelModule(_ m: [UInt8]) -> Bool {
        if contains(m, Array("unknown".utf8)) { return false }
        if m.first == 0x5b || m.ends(with: "vmlinux") { return true }
        if options.perlCompatible { return false }
        let b = basename(m)
        return b.starts(with: Array("vmlinux-".utf8)) || m.ends(with: ".ko") || m.ends(with: ".ko.xz")
            || m.ends(with: ".ko.zst") || m.ends(with: ".ko.gz")
    }

    /// JIT: perf maps (`/tmp/perf-PID.map`), and also jitdump DSOs written by `perf inject --jit`.
    func isJITModule(_ m: [UInt8]) -> Bool {
        if matchesPerfMap(m) { return true }
        if options.perlCompatible { return false }
        let b = basename(m)
        return b.starts(with: Array("jitted-".utf8)) && b.ends(with: ".so")
    }

    func matchesPerfMap(_ m: [UInt8]) -> Bool {
        let needle = Array("/tmp/perf-".utf8)
        var i = 0
        while i + needle.count <= m.count {
            if Array(m[i..<(i + needle.count)]) == needle {
                var j = i + needle.count
                let d = j
                while j < m.count, isDigit(m[j]) { j += 1 }
                if j > d, j + 4 <= m.count, Array(m[j..<(j + 4)]) == Array(".map".utf8) { return true }
            }
            i += 1
        }
        return false
    }

    /// `\.\(.*\)\.`: Go methods like `net/http.(*Client).Do` keep their parentheses.
    func isGoMethod(_ f: [UInt8]) -> Bool {
        guard let open = firstIndex(of: [0x2e, 0x28], in: f) else { return false }
        var i = f.count - 2
        while i > open + 1 {
            if f[i] == 0x29, f[i + 1] == 0x2e { return true }
            i -= 1
        }
        return false
    }

    /// Drops an argument list: from the first `(` not followed by `anonymous namespace)`.
    /// Unlike the Perl script, a `(` inside `[...]` or `<...>` is part of the name (Go generics such as
    /// `main.apply[go.shape.func(int) string]`, C++ `std::function<int (int)>`).
    func cutArguments(_ f: inout [UInt8]) {
        let anon = Array("anonymous namespace)".utf8)
        var depth = 0
        var i = 0
        while i < f.count {
            let c = f[i]
            if !options.perlCompatible {
                if c == 0x5b || (c == 0x3c && !followsOperator(f, i)) { depth += 1 }
                if (c == 0x5d || (c == 0x3e && !followsOperator(f, i) && !(i > 0 && f[i - 1] == 0x2d))) && depth > 0 { depth -= 1 }
            }
            if c == 0x28, depth == 0 {
                let rest = f[(i + 1)...]
                if !(rest.count >= anon.count && Array(rest.prefix(anon.count)) == anon) {
                    f.removeSubrange(i...)
                    return
                }
            }
            i += 1
        }
    }

    /// `operator<`, `operator<<`, `operator>=`, `operator->`: these angle brackets do not nest.
    func followsOperator(_ f: [UInt8], _ i: Int) -> Bool {
        var k = i
        while k > 0, f[k - 1] == 0x3c || f[k - 1] == 0x3e || f[k - 1] == 0x3d || f[k - 1] == 0x2d { k -= 1 }
        let op = Array("operator".utf8)
        return k >= op.count && Array(f[(k - op.count)..<k]) == op
    }

    func stripOffset(_ raw: inout [UInt8]) {
        // `\+0x[\da-f]+$`
        var i = raw.count
        while i > 0, isLowerHex(raw[i - 1]) { i -= 1 }
        if i < raw.count, i >= 3, raw[i - 1] == 0x78, raw[i - 2] == 0x30, raw[i - 3] == 0x2b {
            raw.removeSubrange((i - 3)...)
        }
    }
}

// MARK: byte helpers

@inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d || c == 0x0c || c == 0x0b }
@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) func isLowerHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) }
@inline(__always) func isWord(_ c: UInt8) -> Bool {
    isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f
}

func isPerlFalse(_ s: [UInt8]) -> Bool { s.isEmpty || s == [0x30] }

func parseDecimal(_ l: UnsafeRawBufferPointer, _ r: Range<Int>) -> UInt64 {
    var v: UInt64 = 0
    for i in r {
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(l[i] - 0x30))
        if o1 || o2 { return .max }
        v = a
    }
    return v
}

func lastIndex(of c: UInt8, in l: UnsafeRawBufferPointer) -> Int? {
    var i = l.count - 1
    while i >= 0 {
        if l[i] == c { return i }
        i -= 1
    }
    return nil
}

func basename(_ m: [UInt8]) -> [UInt8] {
    if let s = m.lastIndex(of: 0x2f) { return Array(m[(s + 1)...]) }
    return m
}

func split(_ a: [UInt8], on sep: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var cur: [UInt8] = []
    var i = 0
    while i < a.count {
        if i + 1 < a.count, a[i] == sep[0], a[i + 1] == sep[1] {
            out.append(cur)
            cur = []
            i += 2
            continue
        }
        cur.append(a[i])
        i += 1
    }
    out.append(cur)
    // Perl's split drops trailing empty fields.
    while out.count > 1, out.last!.isEmpty { out.removeLast() }
    return out
}

func contains(_ a: [UInt8], _ b: [UInt8]) -> Bool { firstIndex(of: b, in: a) != nil }

func firstIndex(of b: [UInt8], in a: [UInt8]) -> Int? {
    guard !b.isEmpty, a.count >= b.count else { return nil }
    var i = 0
    while i + b.count <= a.count {
        if a[i] == b[0], Array(a[i..<(i + b.count)]) == b { return i }
        i += 1
    }
    return nil
}

extension Array where Element == UInt8 {
    func ends(with s: String) -> Bool {
        let b = Array(s.utf8)
        return count >= b.count && Array(self[(count - b.count)...]) == b
    }
}

#if canImport(Glibc)
import Glibc
#endif

@inline(__always)
func memchrNewline(_ p: UnsafeRawPointer, _ n: Int) -> UnsafeRawPointer? {
    guard let r = memchr(p, 0x0a, n) else { return nil }
    return UnsafeRawPointer(r)
}

extension ScriptTextCollapser {
    /// `stack count` lines sorted by byte order (Perl's `sort { $a cmp $b }`).
    public func folded() -> [UInt8] { renderFolded(stacks, names: nameTable.names) }
}
