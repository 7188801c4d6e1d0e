/// Names from an input (symbols, mapped file names, comms, source files) are cut to `maxBytes` in every
/// output, with the cut shown: `name…[+N bytes]`. A 1 MB symbol name on an 8,000-frame sample would
/// otherwise be 8 GB of folded text, and a 60 KB mapped file name printed for each frame of `script`
/// gigabytes more. 4096 is PATH_MAX, the longest file name the kernel writes into an mmap record (it
/// formats the path into a PATH_MAX buffer) and the buffer perf reads names into, so no real capture's
/// file name is cut; perf's longest kernel symbol (KSYM_NAME_LEN) is 512. perf itself cuts silently.
public enum NameLimit {
    public static let maxBytes = 4096
    /// A name is cut only past `maxBytes + slack`: a cut name with its marker, in brackets or with a
    /// suffix, is not cut twice.
    public static let slack = 32

    /// `s` unchanged when it fits (in `maxBytes + slack`); else its first `maxBytes` bytes or fewer (never
    /// half a character) and `…[+N bytes]`, N the bytes left out.
    public static func limited(_ s: String) -> String {
        let n = s.utf8.count
        guard n > maxBytes + slack else { return s }
        let head = Array(s.utf8.prefix(maxBytes + 1))
        let cut = boundary(head)
        return String(decoding: head[..<cut], as: UTF8.self) + marker(omitted: n - cut)
    }

    /// The same for bytes (not necessarily UTF-8).
    public static func limited(_ b: [UInt8]) -> [UInt8] {
        guard b.count > maxBytes + slack else { return b }
        let cut = boundary(b)
        return Array(b[..<cut]) + Array(marker(omitted: b.count - cut).utf8)
    }

    public static func marker(omitted: Int) -> String { "…[+\(omitted) bytes]" }

    /// The largest cut at most `maxBytes` that does not split a UTF-8 sequence (`b` holds more than that).
    static func boundary(_ b: [UInt8]) -> Int {
        var cut = maxBytes
        // A continuation byte (10xxxxxx) at the cut belongs to the character before it; at most 3 back.
        while cut > maxBytes - 3, b[cut] & 0xc0 == 0x80 { cut -= 1 }
        return cut
    }
}
