// Demangled names as perf prints them: Rust legacy symbols (`_ZN…17h<16 hex>E`) and C++ (Itanium) ones,
// without parameters, return types or clone suffixes (perf 6.1 demangles with libiberty and no
// DMGL_PARAMS: what `c++filt -p` prints).
import CCxxABI

#if canImport(Glibc)
import Glibc
#endif

/// `name` demangled when it is a mangled Rust legacy or C++ symbol; otherwise `name` itself.
public func demangledName(_ name: String) -> String {
    guard name.utf8.count > 2, name.hasPrefix("_Z") else { return name }
    if let r = rustLegacyDemangle(withoutLLVMSuffix(name)) { return r }
    if let c = CxxDemangler.demangle(name) {
        // Thunks, guard variables, transaction clones: libiberty prints these whole, parameters too.
        return name.hasPrefix("_ZT") || name.hasPrefix("_ZG") ? c : dropParameters(c)
    }
    return name
}

/// A Rust legacy symbol as rustc-demangle prints it without the hash (`{:#}`), as perf prints it:
/// `_ZN` + length-prefixed parts + `E`, the last part `h` and 16 hex digits; `$LT$`-style escapes and `..`
/// decoded. Nil when `s` is not one (then it may be C++).
public func rustLegacyDemangle(_ s: String) -> String? {
    let b = Array(s.utf8)
    guard b.count > 3 + 20, b[0] == 0x5f, b[1] == 0x5a, b[2] == 0x4e, b[b.count - 1] == 0x45 else { return nil }
    var parts: [ArraySlice<UInt8>] = []
    var i = 3
    while i < b.count - 1 {
        var len = 0
        let d = i
        while i < b.count, isDecimalDigit(b[i]), i - d < 6 { len = len * 10 + Int(b[i] - 0x30); i += 1 }
        guard i > d, len > 0, len <= b.count - 1 - i else { return nil }
        parts.append(b[i..<(i + len)])
        i += len
    }
    guard i == b.count - 1, let hash = parts.last, hash.count == 17, hash.first == 0x68,
          hash.dropFirst().allSatisfy(isHexDigit), parts.count >= 2 else { return nil }
    var out: [UInt8] = []
    for (k, p) in parts.dropLast().enumerated() {
        if k > 0 { out += [0x3a, 0x3a] }
        guard decodeRustPart(p, into: &out) else { return nil }
    }
    return String(decoding: out, as: UTF8.self)
}

/// `name` without the `.llvm.<hex>` that LTO appends to local symbols (rustc-demangle drops it too).
func withoutLLVMSuffix(_ name: String) -> String {
    let b = Array(name.utf8)
    let marker = Array(".llvm.".utf8)
    var i = b.count - marker.count
    while i > 0 {
        if b[i..<(i + marker.count)].elementsEqual(marker) {
            let rest = b[(i + marker.count)...]
            guard rest.allSatisfy({ isHexDigit($0) || ($0 >= 0x41 && $0 <= 0x46) || $0 == 0x40 }) else { return name }
            return String(decoding: b[..<i], as: UTF8.self)
        }
        i -= 1
    }
    return name
}

/// One part of a legacy path: a leading `_$` loses its `_`; `$XX$` escapes and `..` (`::`) decoded.
func decodeRustPart(_ part: ArraySlice<UInt8>, into out: inout [UInt8]) -> Bool {
    var p = part
    if p.count >= 2, p.first == 0x5f, p[p.startIndex + 1] == 0x24 { p = p.dropFirst() }
    let named: [String: String] = [
        "SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ","
    ]
    var i = p.startIndex
    while i < p.endIndex {
        let c = p[i]
        if c == 0x2e {
            if i + 1 < p.endIndex, p[i + 1] == 0x2e { out += [0x3a, 0x3a]; i += 2 } else { out.append(c); i += 1 }
        } else if c == 0x24 {
            guard let close = p[(i + 1)...].firstIndex(of: 0x24) else { return false }
            let code = String(decoding: p[(i + 1)..<close], as: UTF8.self)
            if let r = named[code] {
                out += Array(r.utf8)
            } else if code.hasPrefix("u"), code.count >= 2, code.count <= 7,
                let v = UInt32(code.dropFirst(), radix: 16),
                let u = Unicode.Scalar(v)
            {
                out += Array(String(Character(u)).utf8)
            } else {
                return false
            }
            i = close + 1
        } else {
            out.append(c)
            i += 1
        }
    }
    return true
}

@inline(__always) func isDecimalDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) func isHexDigit(_ c: UInt8) -> Bool { isDecimalDigit(c) || (c >= 0x61 && c <= 0x66) }

/// libstdc++'s `__cxa_demangle`, linked (CCxxABI): looked up with dlsym, it was missing from a release
/// binary that links libstdc++ statically, and the lookup fell back to opening libstdc++.so.6 (its 4,300
/// relocations at the first C++ name, and no demangling where that library is absent).
enum CxxDemangler {
    static func demangle(_ name: String) -> String? {
        guard name.utf8.count < 4096 else { return nil }
        var status: Int32 = 0
        guard let p = name.withCString({ __cxa_demangle($0, nil, nil, &status) }) else { return nil }
        defer { free(p) }
        return status == 0 ? String(cString: p) : nil
    }
}

/// A demangled function name without what perf leaves out: clone suffixes (` [clone .isra.0]`),
/// cv and ref qualifiers, the parameter list and a return type (function templates print one).
public func dropParameters(_ full: String) -> String {
    var s = Array(full.utf8)
    // ` [clone .cold]` and the like, possibly several.
    while s.last == 0x5d, let open = s.lastIndex(of: 0x5b), open > 0, s[open - 1] == 0x20,
          s[(open + 1)...].starts(with: Array("clone ".utf8)) {
        s.removeSubrange((open - 1)...)
    }
    for q in [" const", " volatile", " &&", " &", " const", " volatile"] where s.ends(with: q) {
        s.removeLast(q.utf8.count)
    }
    guard s.last == 0x29, let open = matchingOpen(s, close: s.count - 1) else {
        return String(decoding: s, as: UTF8.self)
    }
    s.removeSubrange(open...)
    // A return type before the name: the last space outside brackets, not in an operator's name.
    let op = operatorMask(s)
    var depth = 0
    var i = s.count - 1
    while i >= 0 {
        let c = s[i]
        if !op[i] {
            if c == 0x29 || c == 0x3e || c == 0x5d || c == 0x7d { depth += 1 }
            if c == 0x28 || c == 0x3c || c == 0x5b || c == 0x7b { depth -= 1 }
        }
        // Not a separator: the space of `operator<< <T>`, or after a local name's enclosing `f(…) const`.
        if c == 0x20, depth == 0, !op[i], i + 1 < s.count, s[i + 1] != 0x3c, i == 0 || s[i - 1] != 0x29 {
            s.removeSubrange(...i)
            break
        }
        i -= 1
    }
    return String(decoding: s, as: UTF8.self)
}

/// True for the characters of operator names after `operator` (`<<`, `()`, `->`, ` new[]`), which
/// are not brackets and not the space before a return type.
func operatorMask(_ s: [UInt8]) -> [Bool] {
    var mask = [Bool](repeating: false, count: s.count)
    let word = Array("operator".utf8)
    var i = 0
    while i + word.count <= s.count {
        guard s[i..<(i + word.count)].elementsEqual(word) else { i += 1; continue }
        var k = i + word.count
        let symbols = Array("<>=-+*/%^&|!~,()[]".utf8)
        if k < s.count, s[k] == 0x20 {
            // `operator new`, `operator delete[]`, conversions (`operator bool`): the space and the word.
            mask[k] = true
            k += 1
            while k < s.count, s[k] != 0x28, s[k] != 0x3c || k + 1 < s.count && s[k + 1] == 0x3c {
                mask[k] = true
                k += 1
            }
        } else {
            // `operator()` and `operator[]` are two characters; the others run while they are symbols.
            if k + 1 < s.count, (s[k] == 0x28 && s[k + 1] == 0x29) || (s[k] == 0x5b && s[k + 1] == 0x5d) {
                mask[k] = true; mask[k + 1] = true; k += 2
            } else {
                let start = k
                // A `<` after another operator character opens template arguments (`operator-<T>`);
                // after a `<` operator they follow a space (`operator<< <T>`).
                while k < s.count, symbols.contains(s[k]), s[k] != 0x28,
                      s[k] != 0x3c || k == start || s[k - 1] == 0x3c {
                    mask[k] = true
                    k += 1
                }
            }
        }
        i = k
    }
    return mask
}

/// The `(` that `s[close]` closes, counting parentheses only.
func matchingOpen(_ s: [UInt8], close: Int) -> Int? {
    var depth = 0
    var i = close
    while i >= 0 {
        if s[i] == 0x29 { depth += 1 }
        if s[i] == 0x28 { depth -= 1; if depth == 0 { return i } }
        i -= 1
    }
    return nil
}

extension Array where Element == UInt8 {
    func ends(with suffix: String) -> Bool {
        let b = Array(suffix.utf8)
        return count >= b.count && self[(count - b.count)...].elementsEqual(b)
    }
}
