// The input of a structure-aware fuzz target read as choices (perfstruct, tracestruct, elfstruct in
// scripts/fuzz.sh): each target builds a well-formed file from them, with the fields an attacker sets
// (sizes, counts, times, names, paths) at boundary values.

/// The input as a stream of choices; past its end every choice is 0.
struct Choices {
    var bytes: UnsafeBufferPointer<UInt8>
    var at = 0
    mutating func u8() -> UInt8 { defer { at += 1 }; return at < bytes.count ? bytes[at] : 0 }
    mutating func u64() -> UInt64 { (0..<8).reduce(0) { v, _ in v << 8 | UInt64(u8()) } }
    /// A value favouring the edges: 0, 1, small, near 2^63 and 2^64, or any.
    mutating func edgy() -> UInt64 {
        switch u8() & 7 {
        case 0: return 0
        case 1: return UInt64(u8())
        case 2: return .max &- UInt64(u8())
        case 3: return 1 << 63 &- UInt64(u8())
        case 4: return UInt64(u8()) << 12
        default: return u64()
        }
    }
    /// A name: plain, path-like with `..`, with control characters, or long.
    mutating func name() -> [UInt8] {
        let n = Int(u8())
        switch u8() & 3 {
        case 0: return Array("/usr/bin/work".utf8)
        case 1: return Array("/../../..".utf8) + (0..<n % 16).map { _ in u8() | 0x20 }
        case 2: return (0..<n).map { _ in u8() & 0x7f }
        default: return [UInt8](repeating: 0x41, count: n * 64)
        }
    }
}
