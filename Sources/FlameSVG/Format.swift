#if canImport(Glibc)
import Glibc
#endif

/// printf-style formatting of one number through the C library, exactly as Perl's sprintf does it
/// (flamegraph.pl's numbers), without linking Foundation (which costs ~10 ms of start-up per run).
public func cFormat(_ format: String, _ args: CVarArg...) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    let n = withVaList(args) { vsnprintf(&buf, buf.count, format, $0) }
    if n >= buf.count {
        buf = [CChar](repeating: 0, count: Int(n) + 1)
        _ = withVaList(args) { vsnprintf(&buf, buf.count, format, $0) }
    }
    return String(decoding: buf.prefix(Int(max(n, 0))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension String {
    /// Every occurrence of `target` replaced (Foundation's replacingOccurrences, for plain strings).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
