// Writing protobuf varints into bytes sized up front. Array.append per byte (a uniqueness and a
// capacity check each) was most of encoding the bench capture's samples by hand.

/// A cursor over bytes `appendWritten` reserved; every write is checked against their end.
struct ProtoWriter {
    private var p: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>

    init(_ bytes: UnsafeMutableBufferPointer<UInt8>) {
        p = bytes.baseAddress!
        end = p + bytes.count
    }

    var isAtEnd: Bool { p == end }

    @inline(__always) mutating func byte(_ b: UInt8) {
        precondition(p < end, "ProtoWriter: more bytes than sized")
        p.pointee = b
        p += 1
    }

    @inline(__always) mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            byte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        byte(UInt8(truncatingIfNeeded: v))
    }

    /// A varint field with its one-byte tag; nothing when the value is 0 (proto3 leaves it out).
    @inline(__always) mutating func field(_ tag: UInt8, _ v: UInt64) {
        guard v != 0 else { return }
        byte(tag)
        varint(v)
    }

    /// A length-delimited field's tag and length (its `size` bytes follow).
    @inline(__always) mutating func header(_ tag: UInt8, _ size: Int) {
        byte(tag)
        varint(UInt64(size))
    }
}

extension Array where Element == UInt8 {
    /// Appends exactly `count` bytes, written by `body`.
    mutating func appendWritten(count: Int, _ body: (inout ProtoWriter) -> Void) {
        guard count > 0 else { return }
        let start = self.count
        append(contentsOf: repeatElement(0, count: count))
        withUnsafeMutableBufferPointer { all in
            var w = ProtoWriter(UnsafeMutableBufferPointer(rebasing: all[start...]))
            body(&w)
            precondition(w.isAtEnd, "ProtoWriter: fewer bytes than sized")
        }
    }

    /// Appends `items` as the repeated message field `tag`: each item sized once, then its header and the
    /// fields `body` writes.
    mutating func appendRepeated<T>(
        _ items: [T], tag: UInt8, size: (T) -> Int, _ body: (inout ProtoWriter, T) -> Void
    ) {
        let sizes = items.map(size)
        var total = 0
        for n in sizes { total &+= delimitedSize(n) }
        appendWritten(count: total) { w in
            for (item, n) in zip(items, sizes) {
                w.header(tag, n)
                body(&w, item)
            }
        }
    }
}

/// A length-delimited field's size with its one-byte tag and length.
@inline(__always) func delimitedSize(_ size: Int) -> Int { 1 &+ varintSize(UInt64(size)) &+ size }

/// A varint field's size with its one-byte tag; 0 when the value is 0 (proto3 leaves it out).
@inline(__always) func fieldSize(_ v: UInt64) -> Int { v == 0 ? 0 : 1 &+ varintSize(v) }
@inline(__always) func fieldSize(_ v: Int64) -> Int { fieldSize(UInt64(bitPattern: v)) }
