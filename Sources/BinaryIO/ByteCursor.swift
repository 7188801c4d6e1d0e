/// Byte order of the data being read, decided by the format's magic.
public enum ByteOrder: Sendable, Equatable {
    case little, big

    /// The order of the machine running this code. Computed (and folded by the compiler), not a lazy
    /// global: every record's cursor asks for it, and a global's accessor was a call each time.
    @inlinable public static var host: ByteOrder { (1 as UInt16).littleEndian == 1 ? .little : .big }
}

/// A read past the end of a buffer, or a value that makes no sense where it stands.
/// Carries the absolute offset and a label of what was being read, so an error can name both.
public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Fewer than `needed` bytes remained.
        case truncated(needed: Int, available: Int)
        /// A value that the format does not allow (a size too small, an offset outside the file, ...).
        case invalid(String)
    }
    public var kind: Kind
    /// Offset from the start of the whole buffer (file), not the sub-cursor.
    public var offset: Int
    public var what: String

    @inlinable
    public init(_ kind: Kind, offset: Int, what: String) {
        self.kind = kind
        self.offset = offset
        self.what = what
    }

    public var description: String {
        switch kind {
        case let .truncated(needed, available):
            return "at offset \(offset) (0x\(String(offset, radix: 16))): reading \(what): needed \(needed) bytes, only \(available) left"
        case let .invalid(message):
            return "at offset \(offset) (0x\(String(offset, radix: 16))): reading \(what): \(message)"
        }
    }
}

/// A bounds-checked reader over borrowed bytes.
///
/// Every read checks the remaining length once, then loads unaligned. The cursor does not own
/// its memory: the caller keeps the buffer (a `MappedFile`, an array) alive while it is used.
@frozen
public struct ByteCursor {
    @usableFromInline let base: UnsafeRawPointer?
    /// Offset of `base` from the start of the whole buffer, for error messages.
    public let origin: Int
    public let count: Int
    /// Position relative to `base`.
    public var position: Int
    public var order: ByteOrder
    @usableFromInline var swaps: Bool

    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer, origin: Int = 0, order: ByteOrder = .little) {
        self.base = buffer.baseAddress
        self.count = buffer.count
        self.origin = origin
        self.position = 0
        self.order = order
        self.swaps = order != .host
    }

    @inlinable public var remaining: Int { count - position }
    /// Whether values are byte-swapped as read (the data's order is not the host's).
    @inlinable public var swapsBytes: Bool { swaps }
    @inlinable public var isAtEnd: Bool { position >= count }
    /// Absolute offset of the next byte.
    @inlinable public var offset: Int { origin + position }

    @inlinable
    public mutating func setOrder(_ order: ByteOrder) {
        self.order = order
        self.swaps = order != .host
    }

    /// The bytes from `position` on, without advancing.
    @inlinable
    public var rest: UnsafeRawBufferPointer {
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + position, count: count - position)
    }

    @inlinable
    public func error(_ what: String, _ message: String) -> ReadError {
        ReadError(.invalid(message), offset: offset, what: what)
    }

    @inlinable
    public func need(_ n: Int, _ what: @autoclosure () -> String) throws(ReadError) {
        if _slowPath(n < 0 || n > count - position) {
            throw ReadError(.truncated(needed: n, available: count - position), offset: offset, what: what())
        }
    }

    @inlinable
    public mutating func skip(_ n: Int, _ what: @autoclosure () -> String = "padding") throws(ReadError) {
        try need(n, what())
        position += n
    }

    @inlinable
    public mutating func seek(to position: Int, _ what: @autoclosure () -> String = "seek") throws(ReadError) {
        if _slowPath(position < 0 || position > count) {
            throw ReadError(.invalid("position \(position) outside 0..<\(count)"), offset: origin, what: what())
        }
        self.position = position
    }

    @inlinable
    public mutating func u8(_ what: @autoclosure () -> String = "u8") throws(ReadError) -> UInt8 {
        try need(1, what())
        let v = base.unsafelyUnwrapped.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return v
    }

    @inlinable
    public mutating func u16(_ what: @autoclosure () -> String = "u16") throws(ReadError) -> UInt16 {
        try need(2, what())
        let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: UInt16.self)
        position += 2
        return swaps ? v.byteSwapped : v
    }

    @inlinable
    public mutating func u32(_ what: @autoclosure () -> String = "u32") throws(ReadError) -> UInt32 {
        try need(4, what())
        let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return swaps ? v.byteSwapped : v
    }

    @inlinable
    public mutating func u64(_ what: @autoclosure () -> String = "u64") throws(ReadError) -> UInt64 {
        try need(8, what())
        let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return swaps ? v.byteSwapped : v
    }

    @inlinable
    public mutating func i32(_ what: @autoclosure () -> String = "i32") throws(ReadError) -> Int32 {
        Int32(bitPattern: try u32(what()))
    }

    @inlinable
    public mutating func i64(_ what: @autoclosure () -> String = "i64") throws(ReadError) -> Int64 {
        Int64(bitPattern: try u64(what()))
    }

    /// A word of `size` bytes (4 or 8), as Go's pclntab and ELF class-dependent fields need.
    @inlinable
    public mutating func word(size: Int, _ what: @autoclosure () -> String = "word") throws(ReadError) -> UInt64 {
        size == 8 ? try u64(what()) : UInt64(try u32(what()))
    }

    /// Loads at an absolute position relative to `base` without moving the cursor.
    @inlinable
    public func peekU32(at position: Int, _ what: @autoclosure () -> String = "u32") throws(ReadError) -> UInt32 {
        var c = self
        try c.seek(to: position, what())
        return try c.u32(what())
    }

    @inlinable
    public func peekU64(at position: Int, _ what: @autoclosure () -> String = "u64") throws(ReadError) -> UInt64 {
        var c = self
        try c.seek(to: position, what())
        return try c.u64(what())
    }

    /// The next `n` bytes, borrowed, and advance.
    @inlinable
    public mutating func bytes(_ n: Int, _ what: @autoclosure () -> String = "bytes") throws(ReadError)
        -> UnsafeRawBufferPointer
    {
        try need(n, what())
        let r = UnsafeRawBufferPointer(start: base.map { $0 + position }, count: n)
        position += n
        return r
    }

    /// A child cursor over the next `n` bytes (same byte order, offsets stay absolute), and advance.
    @inlinable
    public mutating func sub(_ n: Int, _ what: @autoclosure () -> String = "section") throws(ReadError) -> ByteCursor {
        let start = offset
        let b = try bytes(n, what())
        return ByteCursor(b, origin: start, order: order)
    }

    /// A child cursor over `range` (relative to `base`), without moving this one.
    @inlinable
    public func slice(_ range: Range<Int>, _ what: @autoclosure () -> String = "section") throws(ReadError)
        -> ByteCursor
    {
        if _slowPath(range.lowerBound < 0 || range.upperBound > count) {
            throw ReadError(.invalid("range \(range) outside 0..<\(count)"), offset: origin, what: what())
        }
        let b = UnsafeRawBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count)
        return ByteCursor(b, origin: origin + range.lowerBound, order: order)
    }

    /// A NUL-terminated string; the NUL is consumed. Fails when no NUL is found.
    @inlinable
    public mutating func cString(_ what: @autoclosure () -> String = "string") throws(ReadError) -> String {
        let r = rest
        guard let nul = r.firstIndex(of: 0) else {
            throw ReadError(
                .truncated(needed: r.count + 1, available: r.count), offset: offset,
                what: what() + " (no NUL terminator)")
        }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: r[0..<nul]), as: UTF8.self)
        position += nul + 1
        return s
    }

    /// A fixed-size field holding a NUL-padded string (perf's comm, filename).
    @inlinable
    public mutating func paddedString(_ n: Int, _ what: @autoclosure () -> String = "string") throws(ReadError)
        -> String
    {
        let b = try bytes(n, what())
        let end = b.firstIndex(of: 0) ?? b.count
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<end]), as: UTF8.self)
    }

    /// Unsigned LEB128 (DWARF) / uvarint (Go): 7 bits per byte, low first.
    @inlinable
    public mutating func uleb128(_ what: @autoclosure () -> String = "uleb128") throws(ReadError) -> UInt64 {
        // Most values are one or two bytes: read them without the per-byte bound check when they fit.
        if _fastPath(count - position >= 2) {
            let p = base.unsafelyUnwrapped + position
            let b0 = p.load(as: UInt8.self)
            if b0 & 0x80 == 0 { position += 1; return UInt64(b0) }
            let b1 = p.load(fromByteOffset: 1, as: UInt8.self)
            if b1 & 0x80 == 0 { position += 2; return UInt64(b0 & 0x7f) | UInt64(b1) << 7 }
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            try need(1, what())
            let b = base.unsafelyUnwrapped.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            if _slowPath(shift >= 64 || (shift == 63 && b > 1)) {
                throw ReadError(.invalid("varint overflows 64 bits"), offset: offset - 1, what: what())
            }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Signed LEB128.
    @inlinable
    public mutating func sleb128(_ what: @autoclosure () -> String = "sleb128") throws(ReadError) -> Int64 {
        var result: Int64 = 0
        var shift: Int64 = 0
        var b: UInt8 = 0
        repeat {
            try need(1, what())
            b = base.unsafelyUnwrapped.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            if _slowPath(shift >= 64) {
                throw ReadError(.invalid("varint overflows 64 bits"), offset: offset - 1, what: what())
            }
            result |= Int64(b & 0x7f) << shift
            shift += 7
        } while b & 0x80 != 0
        if shift < 64 && (b & 0x40) != 0 { result |= -(1 << shift) }
        return result
    }
}
