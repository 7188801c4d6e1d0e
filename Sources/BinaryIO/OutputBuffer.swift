#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A byte buffer for large text outputs, flushed to a file descriptor in big chunks (call `flush()` at the end).
/// Building `String`s per line is several times slower than appending pre-encoded bytes.
public struct OutputBuffer: ~Copyable {
    @usableFromInline var storage: [UInt8]
    public let fd: Int32
    public let flushThreshold: Int

    public init(fd: Int32 = 1, flushThreshold: Int = 1 << 20) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        self.storage = []
        storage.reserveCapacity(flushThreshold + 4096)
    }

    @inlinable
    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { storage.append(contentsOf: $0) }
        flushIfFull()
    }

    @inlinable
    public mutating func append(bytes: some Sequence<UInt8>) {
        storage.append(contentsOf: bytes)
        flushIfFull()
    }

    @inlinable
    public mutating func append(byte: UInt8) {
        storage.append(byte)
    }

    /// Decimal digits of `v` without building a String.
    @inlinable
    public mutating func append(decimal v: UInt64) { appendDecimal(v, to: &storage) }

    @inlinable
    public mutating func flushIfFull() {
        if storage.count >= flushThreshold { flush() }
    }

    public mutating func flush() {
        storage.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE and friends: the reader went away, drop the output.
                }
                off += n
            }
        }
        storage.removeAll(keepingCapacity: true)
    }

    /// Takes the buffered bytes (for tests and in-memory use) without writing them.
    public mutating func take() -> [UInt8] {
        let out = storage
        storage.removeAll(keepingCapacity: true)
        return out
    }
}

/// `v` in decimal ASCII, appended without building a String (per output line in hot loops).
@inlinable
public func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
    if v < 10 { out.append(0x30 + UInt8(v)); return }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
    var n = 0
    var x = v
    withUnsafeMutableBytes(of: &digits) { d in
        while x > 0 { d[n] = 0x30 + UInt8(x % 10); x /= 10; n += 1 }
        for k in stride(from: n - 1, through: 0, by: -1) { out.append(d[k]) }
    }
}
