import BinaryIO

/// A walk over the top level of a profile.proto message, before swift-protobuf decodes it: it tells a
/// profile from other binary and text inputs (every field a Profile field with its wire type, every
/// length inside the input) and counts the repeated messages, so a hostile file's element counts are
/// refused before they are allocated (each costs tens of bytes decoded for 2 bytes of input).
struct ProtoScan {
    /// Top-level fields seen, by field number (1...15).
    private(set) var fieldCounts = [Int](repeating: 0, count: 16)
    /// Elements of the repeated messages and strings (fields 1–6, 13).
    var elements: Int { fieldCounts[1...6].reduce(0, &+) &+ fieldCounts[13] }
    /// Bytes of the input.
    private(set) var size = 0

    /// An upper bound of the memory decoding takes: under 100 bytes per top-level element, and for what
    /// nests in them (location ids, values, labels, lines: at least 1–2 input bytes each, at most 48
    /// bytes decoded) 48 bytes per input byte.
    var decodedBytesBound: Int {
        let (a, o1) = elements.multipliedReportingOverflow(by: 100)
        let (b, o2) = size.multipliedReportingOverflow(by: 48)
        let (sum, o3) = a.addingReportingOverflow(b)
        return o1 || o2 || o3 ? .max : sum
    }

    /// Profile's fields and the wire type each is written with (0 varint, 2 length-delimited; fields 7–15
    /// as varints, 13 also packed).
    private static func allowed(field: UInt64, wire: UInt64) -> Bool {
        switch field {
        case 1...6, 11: return wire == 2
        case 7...10, 12, 14, 15: return wire == 0
        case 13: return wire == 0 || wire == 2
        default: return false
        }
    }

    /// Scans `bytes`; throws a ReadError at the first byte that cannot be a Profile's.
    init(_ bytes: UnsafeRawBufferPointer) throws(ReadError) {
        var partial = ProtoScan(partial: ())
        try partial.scan(bytes)
        self = partial
    }

    private init(partial: Void) {}

    /// The fields counted before the first byte that cannot be a Profile's (all, when there is none).
    static func prefix(_ bytes: UnsafeRawBufferPointer) -> ProtoScan {
        var s = ProtoScan(partial: ())
        try? s.scan(bytes)
        return s
    }

    private mutating func scan(_ bytes: UnsafeRawBufferPointer) throws(ReadError) {
        size = bytes.count
        var c = ByteCursor(bytes)
        while c.position < c.count {
            let at = c.position
            let key = try Self.varint(&c, "field key")
            let field = key >> 3, wire = key & 7
            guard Self.allowed(field: field, wire: wire) else {
                throw ReadError(.invalid("field \(field) with wire type \(wire) is not a profile.proto Profile field"), offset: at, what: "field key")
            }
            if wire == 0 {
                _ = try Self.varint(&c, "field \(field)")
            } else {
                let n = try Self.varint(&c, "length of field \(field)")
                guard n <= UInt64(c.count - c.position) else {
                    throw ReadError(.truncated(needed: Int(clamping: n), available: c.count - c.position), offset: c.position, what: "field \(field)")
                }
                c.position += Int(n)
            }
            fieldCounts[Int(field)] &+= 1
        }
    }

    private static func varint(_ c: inout ByteCursor, _ what: String) throws(ReadError) -> UInt64 {
        var v: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 70, by: 7) {
            guard c.position < c.count else {
                throw ReadError(.truncated(needed: 1, available: 0), offset: c.position, what: what)
            }
            let b = try c.u8()
            if shift < 64 { v |= UInt64(b & 0x7f) << shift }
            if b & 0x80 == 0 { return v }
        }
        throw ReadError(.invalid("varint longer than 10 bytes"), offset: c.position, what: what)
    }
}
